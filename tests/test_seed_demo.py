"""The demo city: realistic, deterministic, idempotent."""

from django.core.management import call_command
from django.db.models import Count

import pytest

from courses.models import LessonPage, ModulePage, TextbookPage
from exams.models import Choice, Question
from training.competency.models import Certification
from training.org.choices import Role, UnitLevel
from training.org.models import BusinessArea, OrgUnit, RoleAssignment, Staff

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "units": list(
            OrgUnit.objects.order_by("code").values_list("code", "name", "level", "is_rural", "population")
        ),
        "staff": list(
            Staff.objects.order_by("user__username").values_list(
                "user__username", "name", "org_unit__code", "employment", "post"
            )
        ),
        "certs": Certification.objects.count(),
        "questions": Question.objects.count(),
        "pages": ModulePage.objects.count() + LessonPage.objects.count() + TextbookPage.objects.count(),
    }


def test_seed_demo_builds_a_realistic_city_and_a_second_run_changes_nothing(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first

    levels = dict(OrgUnit.objects.order_by().values_list("level").annotate(n=Count("pk")))
    assert 3 <= levels[UnitLevel.DISTRICT] <= 4
    assert levels[UnitLevel.STREET] >= 10
    assert levels[UnitLevel.COMMUNITY] >= 30
    rural = OrgUnit.objects.filter(level=UnitLevel.COMMUNITY, is_rural=True).count()
    assert 0.35 <= rural / levels[UnitLevel.COMMUNITY] <= 0.65

    assert Staff.objects.count() >= 300
    assert {"full_time", "part_time"} == set(Staff.objects.values_list("employment", flat=True).distinct())
    assert all("\u4e00" <= name[0] <= "\u9fff" for name in Staff.objects.values_list("name", flat=True))

    assert BusinessArea.objects.count() == 8
    for area in BusinessArea.objects.all():
        assert TextbookPage.objects.filter(area=area, live=True).exists(), area.code
        assert ModulePage.objects.filter(area=area, level="basic", live=True).exists(), area.code
        assert Question.objects.filter(bank__area=area).count() >= 20, area.code
    # every question has exactly one correct option out of four
    per_question = Choice.objects.order_by().values("question").annotate(n=Count("pk"))
    assert {row["n"] for row in per_question} == {4}
    assert Choice.objects.filter(is_correct=True).count() == Question.objects.count()

    # certifications spread over levels and over valid / expiring / expired
    assert set(Certification.objects.values_list("level", flat=True).distinct()) == {
        "basic",
        "intermediate",
        "advanced",
    }
    from django.utils import timezone

    today = timezone.localdate()
    assert Certification.objects.filter(expires_on__lt=today).exists()
    assert Certification.objects.filter(
        expires_on__gte=today, expires_on__lte=today.replace(year=today.year + 1)
    ).exists()

    # the demo logins, with the district manager bound to 东湖区
    assert (
        RoleAssignment.objects.get(user__username="demo_manager", role=Role.MANAGER).org_unit.name == "东湖区"
    )
    assert RoleAssignment.objects.filter(user__username="demo_trainer", role=Role.TRAINER).exists()
    assert Staff.objects.get(user__username="demo_admin").user.is_superuser
    assert Staff.objects.get(user__username="demo_learner").user.check_password(settings.DEMO_PASSWORD)
    trainer_role = RoleAssignment.objects.get(user__username="demo_trainer", role=Role.TRAINER)
    assert set(trainer_role.areas.values_list("code", flat=True)) == {"employment", "unemployment"}
    assert RoleAssignment.objects.filter(user__username="demo_senior", role=Role.SENIOR_TRAINER).exists()
    # each area's question banks have a trainer of that area as their contact (owner)
    from exams.models import QuestionBank
    from training.org.selectors import trainers_of_area

    assert QuestionBank.objects.count() == 16
    for bank in QuestionBank.objects.select_related("area", "owner"):
        assert trainers_of_area(area_id=bank.area_id).filter(pk=bank.owner_id).exists(), bank.title
    assert set(
        QuestionBank.objects.filter(owner__username="demo_trainer").values_list("area__code", flat=True)
    ) == {"employment", "unemployment"}

    # learning content of issue 3: chapters, a revised textbook, prerequisites, videos, live sessions
    from courses.models import LessonVideo, LiveSessionPage, TextbookChapterPage, VideoLessonPage

    assert TextbookChapterPage.objects.count() >= 16
    assert TextbookPage.objects.filter(previous_version__isnull=False, live=True).exists()
    assert ModulePage.objects.filter(level="intermediate", prerequisite__level="basic").count() == 8
    assert VideoLessonPage.objects.count() >= 3
    assert set(LessonVideo.objects.values_list("processing", flat=True)) == {"ready"}
    # every video belongs to its lessons' business area (trainers act on their areas' videos)
    assert not LessonVideo.objects.filter(area__isnull=True).exists()
    # some business items have real forms to download (表格下载), as Excel workbooks
    from wagtail.documents.models import Document

    forms = Document.objects.filter(title__endswith="表")
    assert forms.count() >= 5 and all(d.file.name.endswith(".xlsx") for d in forms)
    now = timezone.now()
    live = LiveSessionPage.objects.all()
    assert any(p.ends_at < now and p.recording_id for p in live)
    assert any(p.starts_at > now for p in live)

    # drills (issue 4): points spread over stations, a wrong-answer book for the demo learner
    from exams.models import PointsEntry, WrongAnswer

    assert PointsEntry.objects.values("user").distinct().count() >= 60
    assert WrongAnswer.objects.filter(user__username="demo_learner").exists()

    # certification states (issue 5): valid, expiring, expired, revoked; rules
    from training.competency.models import CertificationEvent, CertificationRule

    assert Certification.objects.filter(status="revoked").count() == 1
    assert CertificationEvent.objects.filter(type="revoked").exclude(reason="").exists()
    assert CertificationRule.objects.count() == 2


def test_seed_demo_content_is_about_the_real_business():
    call_command("seed_demo")
    text = " ".join(Question.objects.values_list("stem", flat=True))
    for phrase in ("失业保险金", "社会保障卡", "养老"):
        assert phrase in text
    assert "lorem" not in text.lower()
