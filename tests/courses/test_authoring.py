"""Trainer workflow: trainers draft and submit, senior trainers approve; trainers stay in their areas."""

from wagtail.models import Workflow

import pytest

from courses.models import LessonPage, ModulePage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def authors(tree):
    areas = factories.areas()
    trainer = factories.staff(org_unit=tree["city"], name="林培训", role="trainer")
    from training.org.services import role_grant

    role_grant(user=trainer.user, role="trainer", areas=[areas["employment"]])
    senior = factories.staff(org_unit=tree["city"], name="高审核", role="senior_trainer")
    return trainer.user, senior.user


def test_trainer_cannot_publish_but_submits_for_approval(authors):
    trainer, senior = authors
    mod = factories.module(area_code="employment", lessons=1)
    lesson = factories.lessons_of(mod)[0]
    assert not lesson.permissions_for_user(trainer).can_publish()
    assert lesson.permissions_for_user(senior).can_publish()

    lesson.title = "阅读课：失业登记（修订）"
    revision = lesson.save_revision(user=trainer)
    workflow = lesson.get_workflow()
    assert isinstance(workflow, Workflow) and workflow.name == "培训内容审核"
    state = workflow.start(lesson, trainer)
    assert LessonPage.objects.get(pk=lesson.pk).title != "阅读课：失业登记（修订）"  # not live yet
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.get_actions(lesson, senior)  # approve / reject offered to the reviewer
    assert task.get_actions(lesson, trainer) == []
    task.on_action(task_state, senior, "approve")
    lesson.refresh_from_db()
    assert lesson.title == "阅读课：失业登记（修订）" and lesson.live_revision_id == revision.pk


def test_trainer_edits_only_pages_of_their_areas(client, authors):
    trainer, _ = authors
    own = factories.module(area_code="employment", lessons=1)
    other = factories.module(area_code="pension", lessons=1)
    client.force_login(trainer)
    assert client.get(f"/admin/pages/{own.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{factories.lessons_of(own)[0].pk}/edit/").status_code == 200
    # Wagtail answers a refused admin page with a redirect to the dashboard and a message.
    for url in (
        f"/admin/pages/{other.pk}/edit/",
        f"/admin/pages/{factories.lessons_of(other)[0].pk}/edit/",
        f"/admin/pages/add/courses/lessonpage/{other.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    assert client.get(f"/admin/pages/add/courses/lessonpage/{own.pk}/").status_code == 200


def test_module_form_offers_only_the_trainers_areas(client, authors):
    trainer, _ = authors
    index = factories.module_index()
    client.force_login(trainer)
    text = client.get(f"/admin/pages/add/courses/modulepage/{index.pk}/").text
    assert "就业服务" in text and "城乡居民养老保险" not in text


def test_senior_trainer_and_admin_are_not_limited(client, authors, people):
    _, senior = authors
    other = factories.module(area_code="pension", lessons=1)
    for user in (senior, people["admin"].user):
        client.force_login(user)
        assert client.get(f"/admin/pages/{other.pk}/edit/").status_code == 200


def test_new_textbook_version_from_the_admin(client, authors):
    import datetime

    from courses.models import TextbookChapterPage, TextbookIndexPage, TextbookPage

    trainer, _ = authors
    index = factories.publish(factories.home(), TextbookIndexPage(title="业务经办教材", slug="textbooks"))
    book = factories.publish(
        index,
        TextbookPage(
            title="就业服务教材",
            slug="tb",
            area=factories.areas()["employment"],
            version="2025版",
            effective_date=datetime.date(2025, 1, 1),
        ),
    )
    factories.publish(book, TextbookChapterPage(title="第一章", slug="c1"))
    client.force_login(trainer)
    response = client.post(
        f"/admin/textbooks/{book.pk}/new-version/", {"version": "2026版", "effective_date": "2026-06-01"}
    )
    assert response.status_code == 302
    new = TextbookPage.objects.get(version="2026版")
    assert new.previous_version_id == book.pk and not new.live
    assert TextbookChapterPage.objects.child_of(new).count() == 1
    assert ModulePage.objects.count() == 0
