"""Every page of the product for every role: who gets in, who is sent to log in, who is refused."""

import pytest

from exams.services import attempt_start
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "learner", "trainer", "manager", "west_manager", "admin"]


@pytest.fixture
def site(people):
    mod = factories.module(lessons=1)
    return {"module": mod, "lesson": factories.lessons_of(mod)[0], "exam": factories.exam_of(mod)}


def _client_for(client, people, role):
    if role != "anonymous":
        client.force_login(people[role].user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_learning_pages_need_a_login_and_are_open_to_every_role(client, people, site, role):
    c = _client_for(client, people, role)
    for url in ["/", site["module"].url, site["lesson"].url, site["exam"].url, "/me/certificates/"]:
        response = c.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code == 200, url


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("learner", 403),
        ("trainer", 403),
        ("manager", 200),
        ("west_manager", 200),
        ("admin", 200),
    ],
)
def test_matrix_is_for_managers_and_admins_only(client, people, role, expected):
    response = _client_for(client, people, role).get("/manage/matrix/")
    assert response.status_code == expected


def test_manager_sees_own_subtree_only(client, people, tree):
    client.force_login(people["manager"].user)
    response = client.get("/manage/matrix/")
    assert "张小明" in response.text and "李四" not in response.text
    assert client.get(f"/manage/matrix/?unit={tree['east_comm'].pk}").status_code == 200
    # another district, its stations, and the city above are all out of reach
    for unit in (tree["west"], tree["west_comm"], tree["city"]):
        assert client.get(f"/manage/matrix/?unit={unit.pk}").status_code == 404
    assert client.get("/manage/matrix/?unit=abc").status_code == 404


def test_admin_sees_whole_city(client, people, tree):
    client.force_login(people["admin"].user)
    response = client.get(f"/manage/matrix/?unit={tree['city'].pk}")
    assert "张小明" in response.text and "李四" in response.text


def test_learner_sees_only_own_certificates(client, people):
    from training.competency.services import certification_issue

    areas = factories.areas()
    mine = certification_issue(staff=people["learner"], area=areas["pension"], level="basic")
    theirs = certification_issue(staff=people["west_learner"], area=areas["medical"], level="basic")
    client.force_login(people["learner"].user)
    response = client.get("/me/certificates/")
    assert mine.number in response.text and theirs.number not in response.text


def test_exam_result_and_autosave_of_another_person_are_refused(client, people, site):
    attempt = attempt_start(user=people["learner"].user, exam=site["exam"])
    client.force_login(people["west_learner"].user)
    assert client.get(f"{site['exam'].url}?attempt={attempt.pk}").status_code == 404
    entry = attempt.paper[0]
    response = client.post(
        f"/exams/attempts/{attempt.pk}/answers/", {"question": entry["q"], "choice": entry["c"][0]}
    )
    assert response.status_code == 404
    response = client.post(site["exam"].url, {"action": "submit", "attempt": attempt.pk})
    assert response.status_code == 404


def test_autosave_needs_login_and_post(client, people, site):
    attempt = attempt_start(user=people["learner"].user, exam=site["exam"])
    url = f"/exams/attempts/{attempt.pk}/answers/"
    assert client.post(url, {"question": 1}).status_code == 302
    client.force_login(people["learner"].user)
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("learner", 302), ("manager", 302), ("trainer", 200), ("admin", 200)],
)
def test_wagtail_admin_is_for_trainers_and_admins(client, people, role, expected):
    response = _client_for(client, people, role).get("/admin/")
    assert response.status_code == expected


def test_healthz_is_public(client, db):
    assert client.get("/healthz/").json() == {"ok": True}


@pytest.mark.parametrize(("role", "expected"), [("trainer", 302), ("manager", 302), ("admin", 200)])
def test_business_area_catalogue_is_for_admins(client, people, role, expected):
    response = _client_for(client, people, role).get("/admin/snippets/org/businessarea/")
    assert response.status_code == expected


def test_admin_extends_the_catalogue_with_a_chinese_area(client, people):
    from training.org.models import BusinessArea

    client.force_login(people["admin"].user)
    response = client.post(
        "/admin/snippets/org/businessarea/add/",
        {
            "code": "talent",
            "name": "人才服务",
            "name_en": "Talent services",
            "description": "",
            "sort_order": 9,
        },
    )
    assert response.status_code == 302
    assert BusinessArea.objects.get(code="talent").name == "人才服务"
