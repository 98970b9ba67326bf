"""Station coverage: K holders, backup depth, 90 days ahead, single points of failure; matrix filters."""

import datetime

from django.utils import timezone

import pytest

from tests import factories
from training.competency.selectors import coverage_for_unit
from training.competency.services import certification_issue
from training.org.models import CompetencySettings

pytestmark = pytest.mark.django_db


def test_coverage_depth_lookahead_and_single_points(people, tree):
    areas = factories.areas()
    today = timezone.localdate()
    station = tree["east_comm"]  # offers employment and pension
    learner = people["learner"]
    part_timer = factories.staff(org_unit=station, name="兼职员", employment="part_time", password=None)
    # employment: two holders, one expiring within 90 days
    certification_issue(staff=learner, area=areas["employment"], level="basic", issued_on=today)
    certification_issue(
        staff=part_timer,
        area=areas["employment"],
        level="basic",
        issued_on=today - datetime.timedelta(days=3 * 365 - 30),
    )
    # pension: the only holder is part-time
    certification_issue(staff=part_timer, area=areas["pension"], level="basic", issued_on=today)
    report = coverage_for_unit(unit=station)
    cells = {c.area.code: c for c in report.stations[0].cells}
    assert (
        cells["employment"].holders == 2
        and cells["employment"].depth_two
        and cells["employment"].holders_ahead == 1
    )
    assert cells["pension"].covered and cells["pension"].single_point == "part_time"
    assert report.single_point_total == 1 and report.percent == 100 and report.percent_depth_two == 50

    settings = CompetencySettings.load()
    settings.coverage_min_holders = 2
    settings.save()
    report = coverage_for_unit(unit=station)
    cells = {c.area.code: c for c in report.stations[0].cells}
    assert cells["employment"].covered and not cells["employment"].covered_ahead
    assert not cells["pension"].covered
    assert [c.area.code for c in report.stations[0].gaps_ahead] == ["employment"]


def test_matrix_filters_by_post_and_employment(client, people, tree):
    factories.staff(org_unit=tree["east_comm"], name="兼职小王", employment="part_time", password=None)
    client.force_login(people["manager"].user)
    text = client.get(f"/manage/matrix/?unit={tree['east'].pk}&employment=part_time").text
    assert "兼职小王" in text and "张小明" not in text
    text = client.get(f"/manage/matrix/?unit={tree['east'].pk}&employment=nonsense").text
    assert "兼职小王" in text and "张小明" in text
    assert "单点风险" in text and "90 天后" in text
