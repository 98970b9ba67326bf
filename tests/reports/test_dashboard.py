"""The dashboard (统计看板): scope at every level, numbers on a small tree, the scorecard ranking,
and the same number of queries for a province root as for one station."""

import pytest

from tests import factories
from training.competency.selectors import multi_skill_for_unit
from training.competency.services import certification_issue
from training.reports.models import ReportSettings
from training.reports.selectors import province_report

pytestmark = pytest.mark.django_db

URL = "/manage/dashboard/"


def test_dashboard_scope_at_every_level(client, tree, people):
    units = ["city", "east", "east_street", "east_comm", "west", "west_comm"]
    client.force_login(people["learner"].user)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?unit={tree['east_comm'].pk}").status_code == 403
    person_url = f"{URL}people/{people['learner'].pk}/"
    assert client.get(person_url).status_code == 403

    client.force_login(people["manager"].user)  # manages 东湖区
    for name in units:
        expected = 200 if name.startswith("east") else 404
        assert client.get(f"{URL}?unit={tree[name].pk}").status_code == expected, name
    assert client.get(f"{URL}?unit=nonsense").status_code == 404
    assert client.get(person_url).status_code == 200
    assert client.get(f"{URL}people/{people['west_learner'].pk}/").status_code == 404
    page = client.get(URL).content.decode()
    assert "东湖区" in page and "石桥村" not in page

    client.force_login(people["west_manager"].user)
    assert client.get(f"{URL}?unit={tree['east'].pk}").status_code == 404
    assert client.get(f"{URL}?unit={tree['west_comm'].pk}").status_code == 200

    client.force_login(people["admin"].user)
    for name in units:
        assert client.get(f"{URL}?unit={tree[name].pk}").status_code == 200, name
    assert client.get(person_url).status_code == 200

    client.logout()
    assert client.get(URL).status_code == 302
    assert client.get(person_url).status_code == 302


def test_numbers_on_a_small_tree(tree, people, city):
    report = province_report(unit=tree["city"])
    total = report["total"]
    # staff: 张小明, 王兼职 (part-time), 李四, two managers, the trainer, the admin
    assert (total.staff, total.full_time, total.full_time_share) == (7, 6, 85.7)
    assert total.population == 10_000 and total.staff_per_10k == 7.0
    # offered: 东湖街道 2, 南岭镇 1, 湖滨社区 2, 石桥村 2 = 7; covered with K=1: 湖滨 ×2, 石桥 pension
    assert (total.offered, total.covered, total.coverage) == (7, 3, 42.9)
    assert (total.holders, total.certified_per_area) == (4, 0.57)
    assert (total.specialists, total.multi_skilled, total.both) == (1, 1, 1)
    assert total.both_share == 14.3
    assert (total.assigned, total.completed, total.plan_completion) == (2, 1, 50.0)
    assert (total.attempts, total.passed, total.pass_rate) == (2, 1, 50.0)

    urban, rural = report["urban"], report["rural"]
    assert (urban.staff, urban.full_time_share, urban.coverage) == (5, 80.0, 50.0)
    assert (rural.staff, rural.full_time_share, rural.coverage, rural.pass_rate) == (2, 100.0, 33.3, 0.0)
    assert (urban.population, rural.population) == (10_000, 10_000)

    children = {c.name: m for c, m in report["children"]}
    assert set(children) == {"东湖区", "西城区"}
    assert children["东湖区"].staff == 3 and children["西城区"].staff == 2
    assert children["东湖区"].plan_completion == 50.0 and children["西城区"].plan_completion is None

    areas = {r.area.code: r for r in report["areas"]}
    assert (areas["employment"].offered, areas["employment"].covered, areas["employment"].holders) == (
        4,
        1,
        2,
    )
    assert (areas["pension"].offered, areas["pension"].covered, areas["pension"].holders) == (3, 2, 2)

    activity = report["activity"]
    assert len(activity.weeks) == 12 and activity.weeks[0].weekday() == 0
    assert activity.total[-1] == 1 and activity.urban[-1] == 1
    assert activity.rural[-4] == 1 and sum(activity.total) == 2


def test_one_speciality_many_abilities_matches_the_competency_measure(tree, people, city):
    report = province_report(unit=tree["city"])
    skills = multi_skill_for_unit(unit=tree["city"])
    for mine, theirs in ((report["total"], skills.total), (report["urban"], skills.urban)):
        assert (mine.staff, mine.specialists, mine.multi_skilled, mine.both) == (
            theirs.staff,
            theirs.specialists,
            theirs.multi_skilled,
            theirs.both,
        )
    for (unit, mine), (child, theirs) in zip(report["children"], skills.children, strict=True):
        assert unit.pk == child.pk and mine.both == theirs.both and mine.staff == theirs.staff


def test_station_scorecard_weights_and_ranking(tree, people, city):
    stations = {s.unit.name: s for s in province_report(unit=tree["city"])["stations"]}
    assert set(stations) == {"东湖街道", "南岭镇", "湖滨社区", "石桥村"}
    # 湖滨社区: coverage 100, 一专多能 50, plan 50, pass 100, full-time 50 → (3000+1000+1000+2000+500)/100
    assert stations["湖滨社区"].score == 75.0 and stations["湖滨社区"].rank == 1
    # 石桥村: coverage 50, 一专多能 0, no plan (left out), pass 0, full-time 100 → 2500 / 80
    assert stations["石桥村"].score == pytest.approx(31.25, abs=0.06) and stations["石桥村"].rank == 2
    # two streets with nobody: coverage 0 only; equal scores share the rank
    assert stations["东湖街道"].score == stations["南岭镇"].score == 0.0
    assert stations["东湖街道"].rank == stations["南岭镇"].rank == 3

    settings = ReportSettings.load()
    settings.weight_coverage = 0
    settings.weight_pass_rate = 0
    settings.weight_multi_skill = 0
    settings.weight_full_time = 0
    settings.weight_plan_completion = 10
    settings.save()
    stations = {s.unit.name: s for s in province_report(unit=tree["city"])["stations"]}
    assert stations["湖滨社区"].score == 50.0 and stations["湖滨社区"].rank == 1
    assert stations["石桥村"].score is None and stations["石桥村"].rank is None


def test_dashboard_page_shows_tables_charts_data_and_drills_down(client, tree, people, city):
    client.force_login(people["admin"].user)
    page = client.get(URL).content.decode()
    assert 'id="report-charts"' in page and "dashboard.js" in page
    assert "chartjs-4.6.1/chart.umd.min.js" in page
    assert "<script>" not in page.replace('<script type="application/json"', "")  # nothing inline
    assert f'href="?unit={tree["east"].pk}"' in page and "湖滨社区" in page  # scorecard lists stations
    station = client.get(f"{URL}?unit={tree['east_comm'].pk}").content.decode()
    assert f"/manage/dashboard/people/{people['learner'].pk}/" in station and "张小明" in station
    card = client.get(f"{URL}people/{people['learner'].pk}/").content.decode()
    assert "张小明" in card and "就业服务政策培训" in card
    assert f"/manage/people/{people['learner'].pk}/certifications/" in card  # admin may issue


def _grow(tree, districts: int = 3, streets: int = 2, communities: int = 3, staff: int = 3):
    """A larger subtree under the city: districts × streets × communities with certified staff."""
    areas = factories.areas()
    for d in range(districts):
        district = factories.unit(parent=tree["city"], name=f"新区{d}", rural=d % 2 == 1)
        for s in range(streets):
            street = factories.unit(parent=district, name=f"新街道{d}{s}", offers=["employment"])
            for c in range(communities):
                comm = factories.unit(
                    parent=street, name=f"新社区{d}{s}{c}", offers=["employment", "pension"]
                )
                for i in range(staff):
                    person = factories.staff(org_unit=comm, password=None)
                    if i % 2 == 0:
                        certification_issue(staff=person, area=areas["employment"], level="basic")


def _count(client, url, django_assert_max_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # the figures themselves, not the cache, are what must cost the same
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_for_a_station_and_for_a_larger_tree(
    client, tree, people, city, django_assert_max_num_queries
):
    client.force_login(people["admin"].user)
    client.get(URL)  # warm the site and settings rows
    small_root = _count(client, f"{URL}?unit={tree['city'].pk}", django_assert_max_num_queries)
    station = _count(client, f"{URL}?unit={tree['east_comm'].pk}", django_assert_max_num_queries)
    _grow(tree)
    large_root = _count(client, f"{URL}?unit={tree['city'].pk}", django_assert_max_num_queries)
    assert small_root == station == large_root
    with django_assert_max_num_queries(small_root):
        client.get(f"{URL}?unit={tree['city'].pk}&spage=2")


def test_the_figures_are_cached_for_a_few_minutes_and_say_when(client, tree, people, city):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["admin"].user)
    cache.clear()
    url = f"{URL}?unit={tree['city'].pk}"
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as second:
        again = client.get(url).content.decode()
    assert len(second.captured_queries) < len(first.captured_queries)
    assert "统计时间" in page and "统计时间" in again
    # the scorecard read back from the cache shows the same stations with the same figures
    scorecard = page[page.index('id="stations"') : page.index("</section>", page.index('id="stations"'))]
    again_scorecard = again[
        again.index('id="stations"') : again.index("</section>", again.index('id="stations"'))
    ]
    import re

    def no_token(html):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert no_token(scorecard) == no_token(again_scorecard) and "湖滨社区" in scorecard


def test_province_report_query_count_is_constant(tree, people, city, django_assert_num_queries):
    from training.org.selectors import competency_settings

    settings = competency_settings()
    weights = ReportSettings.load().weights()
    with django_assert_num_queries(9):
        province_report(unit=tree["city"], settings=settings, weights=weights)
    with django_assert_num_queries(9):
        province_report(unit=tree["west_comm"], settings=settings, weights=weights)
    _grow(tree)
    with django_assert_num_queries(9):
        report = province_report(unit=tree["city"], settings=settings, weights=weights)
    assert report["total"].staff == 7 + 3 * 2 * 3 * 3


def test_a_cached_dashboard_carries_each_viewers_own_csrf_token(tree, people, city):
    """The figures' HTML is rendered once and shared by every manager of the unit; its export
    forms must still post with the viewer's own CSRF token, and a second viewer's page is read from
    the cache (fewer queries, same figures)."""
    import re

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    second_manager = factories.staff(
        org_unit=tree["east"], name="郑主管", role="manager", manages=tree["east"]
    )
    cache.clear()
    url = f"{URL}?unit={tree['east'].pk}"
    pages, counts = [], []
    for staff in (people["manager"], second_manager):
        client = Client(enforce_csrf_checks=True)
        client.force_login(staff.user)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).content.decode()
        counts.append(len(ctx.captured_queries))
        pages.append(page)
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
        assert tokens and "csrf-slot" not in page
        for token in tokens:  # the cached figures' forms and the page's own (masked apart)
            response = client.post(
                "/manage/dashboard/export/",
                {"csrfmiddlewaretoken": token, "unit": tree["east"].pk, "table": "areas", "format": "csv"},
            )
            assert response.status_code == 200, response.status_code
    assert counts[1] < counts[0]

    def figures(html):
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return body[body.index('<ul class="kpis">') : body.index('<section id="people">')]

    assert figures(pages[0]) == figures(pages[1]) and "湖滨社区" in figures(pages[1])
