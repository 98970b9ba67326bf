"""The fixture world of the permission matrix: a small city with two districts and one object of
every kind the URLs need, on each side where scope matters.

"Here" is 东湖区 (managed by ``manager``); "there" is 西城区 (managed by ``other_manager``).
Policy entries name objects by key (``"@cert_here"``); ``World.ref`` turns a key into the value
a URL or a form needs (a primary key, a token, a path).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from wagtail.models import Collection, PageViewRestriction, Site, Task, Workflow

from PIL import Image as PILImage

from tests import factories

ROLES = ("anonymous", "learner", "trainer", "other_manager", "manager", "admin")

# Names that appear nowhere else, so a page that shows one of them shows that person's record.
LEARNER_NAME = "甄在此"
WEST_LEARNER_NAME = "贾在彼"
LEARNER_ID = "360102199001011234"
WEST_ID = "360102199202025678"
LEARNER_PHONE = "13912345678"
WEST_PHONE = "13887654321"
# The reference answer of a question in another trainer's bank: only its author and admins see it.
OTHER_BANK_KEY = "参考要点：彼题仅出题人可见"
# The explanation of a question of an exam that never shows its answers: no learner ever sees it.
NEVER_KEY = "解析：本题答案永不公布"
NEVER_STEM = "永不公布答案的考题：失业登记在哪里办理？"


@dataclass
class World:
    objects: dict[str, Any]
    users: dict[str, Any]
    # Per role: strings that must never appear in an answer to that role (personal data out of
    # its reach), unless the policy entry says why they may.
    secrets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    media_root: str = ""

    def ref(self, value):
        """``"@key"`` or ``"@key.attr"`` → the object's pk (or the attribute); anything else as is."""
        if not isinstance(value, str) or not value.startswith("@"):
            return value
        key, _, attr = value[1:].partition(".")
        if key not in self.objects:
            raise KeyError(f"the fixture world has no object {key!r} (tests/security/world.py)")
        obj = self.objects[key]
        if attr:
            for part in attr.split("."):
                obj = getattr(obj, part)
            return obj
        return getattr(obj, "pk", obj)

    def page_of(self, model):
        """A page of exactly this type in the world (the tree's root for Wagtail's own Page)."""
        for obj in self.objects.values():
            if type(obj) is model:
                return obj
        return None


# One question in Aiken, for the import screen.
AIKEN = "失业保险金按月发放吗？\nA. 按月发放\nB. 一次性发放\nANSWER: A\n"


@dataclass(frozen=True)
class Upload:
    """A file for a form (the test client reads it once per request, so it is never used up)."""

    name: str
    content: bytes

    def read(self) -> bytes:
        return self.content


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def build() -> World:
    from django.contrib.auth.models import Group
    from django.core.files.images import ImageFile

    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents.models import Document
    from wagtail.images.models import Image

    from courses.models import (
        LessonVideo,
        LiveSessionPage,
        TextbookChapterPage,
        TextbookIndexPage,
        TextbookPage,
        VideoLessonPage,
        VideoViewing,
    )
    from exams.models import Answer, ExamFixedQuestion
    from exams.services import attempt_start, attempt_submit, daily_practice_start
    from training.competency.models import CertificationRule
    from training.competency.services import certificates_bulk_start, certification_issue
    from training.competency.tasks import certificates_bulk_task
    from training.notify.models import RobotWebhook
    from training.notify.services import notify
    from training.org.choices import Role
    from training.org.models import Staff
    from training.org.services import role_grant
    from training.plans.models import Assignment, ExtensionRequest, GapProposal
    from training.plans.services import plan_create, plan_sync

    areas = factories.areas()
    tree = factories.city_tree()
    today = timezone.localdate()

    learner = factories.staff(org_unit=tree["east_comm"], name=LEARNER_NAME)
    west_learner = factories.staff(org_unit=tree["west_comm"], name=WEST_LEARNER_NAME)
    Staff.objects.filter(pk=learner.pk).update(id_number=LEARNER_ID, phone=LEARNER_PHONE)
    Staff.objects.filter(pk=west_learner.pk).update(id_number=WEST_ID, phone=WEST_PHONE)
    manager = factories.staff(org_unit=tree["east"], name="周主管", role=Role.MANAGER, manages=tree["east"])
    other_manager = factories.staff(
        org_unit=tree["west"], name="吴主管", role=Role.MANAGER, manages=tree["west"]
    )
    trainer = factories.staff(org_unit=tree["city"], name="林培训")
    # A trainer for one business area (就业服务): other areas' content is not theirs.
    role_grant(user=trainer.user, role=Role.TRAINER, areas=[areas["employment"]])
    other_trainer = factories.staff(org_unit=tree["city"], name="郑培训", role=Role.TRAINER)
    admin = factories.staff(org_unit=tree["city"], name="管理员", role=Role.ADMIN)

    # --- content: textbooks and modules of the trainer's area and of another area --------------
    home = factories.home()
    textbook_index = factories.publish(home, TextbookIndexPage(title="业务经办教材", slug="textbooks"))

    def textbook(area_code, slug):
        book = factories.publish(
            textbook_index,
            TextbookPage(
                title=f"{areas[area_code].name}教材",
                slug=slug,
                area=areas[area_code],
                version="2025版",
                effective_date=datetime.date(2025, 1, 1),
            ),
        )
        chapter = factories.publish(book, TextbookChapterPage(title="第一章 待遇享受", slug="ch1", body=[]))
        return book, chapter

    textbook_mine, chapter = textbook("employment", "tb-employment")
    textbook_other, _ = textbook("pension", "tb-pension")
    from courses.services import textbook_new_version

    textbook_v2 = textbook_new_version(
        textbook=textbook_mine, version="2026版", effective_date=datetime.date(2026, 1, 1), user=admin.user
    )
    textbook_v2.save_revision().publish()
    textbook_v2.refresh_from_db()

    module = factories.module(area_code="employment", lessons=1, questions=6, question_count=3)
    module_other = factories.module(area_code="pension", lessons=1)
    lesson = factories.lessons_of(module)[0]
    exam = factories.exam_of(module)
    # Banks follow business areas, not owners (an owner is a contact): the trainer owns the
    # 养老保险 bank and reaches it no more for that; the 就业服务 bank, another trainer's, is theirs.
    bank_mine = exam.bank
    bank_mine.owner = other_trainer.user
    bank_mine.save(update_fields=["owner"])
    bank_other = factories.exam_of(module_other).bank
    bank_other.owner = trainer.user
    bank_other.save(update_fields=["owner"])

    def lesson_video(title, area_code):
        video = LessonVideo(
            title=title, type="video", area=areas[area_code], collection=Collection.get_first_root_node()
        )
        video.file.save("lesson.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64), save=False)
        video.save()
        return video

    # Videos of the trainer's area and of another area: trainers act on their areas' videos only.
    video = lesson_video("窗口受理演示", "employment")
    video_other = lesson_video("养老金测算演示", "pension")
    video_page = factories.publish(
        module, VideoLessonPage(title="视频课：窗口受理", slug="video", video=video)
    )
    starts = timezone.now() - datetime.timedelta(minutes=10)
    live = factories.publish(
        module,
        LiveSessionPage(
            title="直播：失业保险政策解读",
            slug="live",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            join_url="https://meeting.example.cn/j/1",
            signin_code="246810",
        ),
    )
    from courses.services import live_signin

    live_signin(user=learner.user, page=live, code="246810")
    live_signin(user=west_learner.user, page=live, code="246810")
    viewing = VideoViewing.objects.create(user=learner.user, page=video_page)

    # --- exams: a graded attempt, an open one, a daily practice, essays to mark ----------------
    attempt_graded = attempt_start(user=learner.user, exam=exam)
    attempt_submit(
        attempt_id=attempt_graded.pk, user=learner.user, answers=factories.correct_answers(attempt_graded)
    )
    attempt_open = attempt_start(user=learner.user, exam=exam)

    def essay_answer(bank, explanation):
        essay = factories.typed_question(bank, "essay", stem=f"简述{bank.area.name}的办理流程。", points=4)
        essay.explanation = explanation
        essay.save(update_fields=["explanation"])
        mod = factories.module(area_code=bank.area.code, lessons=0)
        paper = factories.exam_of(mod)
        ExamFixedQuestion.objects.create(page=paper, question=essay, sort_order=0)
        sitting = attempt_start(user=learner.user, exam=paper)
        attempt_submit(attempt_id=sitting.pk, user=learner.user, answers={essay.pk: "先登记，再申领。"})
        return Answer.objects.get(attempt=sitting, question=essay), essay

    answer_mine, question_mine = essay_answer(bank_mine, "参考要点：登记、申领、审核。")
    answer_other, question_other = essay_answer(bank_other, OTHER_BANK_KEY)

    # --- the reveal rule (答案公布): an exam that never shows its answers, handed in all wrong; a
    # daily practice drawn yesterday whose questions are now on a formal sitting in progress
    exam_never = factories.exam_of(factories.module(area_code="employment", lessons=0, questions=0))
    exam_never.reveal = "never"
    exam_never.save()
    never_question = factories.typed_question(exam_never.bank, "single", stem=NEVER_STEM)
    never_question.explanation = NEVER_KEY
    never_question.save(update_fields=["explanation"])
    ExamFixedQuestion.objects.create(page=exam_never, question=never_question, sort_order=0)
    attempt_never = attempt_start(user=learner.user, exam=exam_never)
    wrong = never_question.choices.filter(is_correct=False).first()
    attempt_submit(attempt_id=attempt_never.pk, user=learner.user, answers={never_question.pk: wrong.pk})
    practice_early = daily_practice_start(user=learner.user, today=today - datetime.timedelta(days=1))
    exam_live = factories.exam_of(factories.module(area_code="employment", lessons=0, questions=0))
    for order, entry in enumerate(practice_early.paper):
        ExamFixedQuestion.objects.create(page=exam_live, question_id=entry["q"], sort_order=order)
    attempt_live = attempt_start(user=learner.user, exam=exam_live)
    early_question = practice_early.paper[0]["q"]
    early_right = factories.correct_answers(practice_early)[early_question]
    # Today's practice, drawn with all of the above in place.
    practice = daily_practice_start(user=learner.user)
    # Another trainer's edits are in Wagtail's history (the site history report reads it).
    from wagtail.log_actions import log

    log(instance=question_other, action="wagtail.edit", user=other_trainer.user)
    log(instance=bank_other, action="wagtail.edit", user=other_trainer.user)
    # Unused, so that deleting it (as an admin) is possible.
    question_other_unused = factories.typed_question(bank_other, "single", stem="未使用的题目")

    # --- certifications, rules, a finished background job ------------------------------------
    cert_here = certification_issue(staff=learner, area=areas["employment"], level="basic")
    cert_there = certification_issue(staff=west_learner, area=areas["pension"], level="basic")
    rule = CertificationRule.objects.create(area=areas["employment"], level="basic")
    job = certificates_bulk_start(user=manager.user, unit=tree["east"], verify_base="http://testserver/")
    certificates_bulk_task.apply(kwargs={"job_id": job.pk})  # what the worker runs
    job.refresh_from_db()

    # --- plans, extension requests, coverage gaps, notifications, robots ---------------------
    def plan(root, actor, title):
        made = plan_create(
            actor=actor,
            root=root,
            title=title,
            pages=[module],
            starts_on=today - datetime.timedelta(days=3),
            due_on=today + datetime.timedelta(days=20),
        )
        plan_sync(plan=made, today=today)
        return made

    plan_here = plan(tree["east_comm"], manager.user, "东湖就业培训")
    plan_there = plan(tree["west_comm"], other_manager.user, "西城就业培训")

    def extension(person):
        assignment = Assignment.objects.get(staff=person, round__plan__in=[plan_here, plan_there])
        return assignment, ExtensionRequest.objects.create(
            assignment=assignment, requested_due_on=today + datetime.timedelta(days=40), reason="家中有事"
        )

    assignment_here, ext_here = extension(learner)
    _, ext_there = extension(west_learner)
    gap_here = GapProposal.objects.create(
        org_unit=tree["east_comm"], area=areas["pension"], candidate=learner
    )
    gap_there = GapProposal.objects.create(
        org_unit=tree["west_comm"], area=areas["employment"], candidate=west_learner
    )
    notification = notify(
        learner.user, kind="test", title="请完成培训", url="/me/tasks/", dedupe_key="matrix:1"
    )
    robot_here = RobotWebhook.objects.create(
        org_unit=tree["east"],
        name="东湖群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=east-secret",
    )
    robot_there = RobotWebhook.objects.create(
        org_unit=tree["west"],
        name="西城群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=west-secret",
    )

    # --- Wagtail's own objects for the admin samples ------------------------------------------
    collection = Collection.get_first_root_node().add_child(name="培训资料")
    image = Image.objects.create(title="示意图", file=ImageFile(io.BytesIO(_png()), name="figure.png"))
    document = Document.objects.create(title="申领表", file=ContentFile(b"%PDF-1.4 form", name="form.pdf"))
    redirect = Redirect.objects.create(old_path="/old-page", redirect_link="/")
    module.save_revision(user=admin.user)
    revision = module.latest_revision
    # Wagtail makes a login's profile on its first admin request; made here, no request writes it.
    from wagtail.users.models import UserProfile

    for person in (learner, west_learner, manager, other_manager, trainer, other_trainer, admin):
        UserProfile.get_for_user(person.user)
    # Every settings model has its row, so its edit screen has an object to show.
    from wagtail.contrib.settings.registry import registry as settings_registry

    settings_rows = {model._meta.label_lower: model.load() for model in settings_registry}

    objects = {
        **tree,
        "area": areas["employment"],
        "area_other": areas["pension"],
        "questions_file": Upload("题目.txt", AIKEN.encode()),
        "learner": learner,
        "west_learner": west_learner,
        "manager": manager,
        "other_manager": other_manager,
        "trainer": trainer,
        "admin": admin,
        "home": home,
        "textbook_index": textbook_index,
        "textbook": textbook_mine,
        "textbook_other": textbook_other,
        "textbook_v2": textbook_v2,
        "chapter": chapter,
        "module_index": factories.module_index(),
        "module": module,
        "module_other": module_other,
        "lesson": lesson,
        "video_page": video_page,
        "live": live,
        "exam": exam,
        "video": video,
        "video_other": video_other,
        "viewing": viewing,
        "bank_mine": bank_mine,
        "bank_other": bank_other,
        "question_mine": question_mine,
        "question_other": question_other,
        "question_other_unused": question_other_unused,
        "answer_mine": answer_mine,
        "answer_other": answer_other,
        "attempt_graded": attempt_graded,
        "attempt_open": attempt_open,
        "open_question": attempt_open.paper[0]["q"],
        "practice": practice,
        "exam_never": exam_never,
        "never_question": never_question,
        "attempt_never": attempt_never,
        "practice_early": practice_early,
        "attempt_live": attempt_live,
        "early_question": early_question,
        "early_right": early_right,
        "cert_here": cert_here,
        "cert_there": cert_there,
        "rule": rule,
        "job": job,
        "plan_here": plan_here,
        "plan_there": plan_there,
        "assignment_here": assignment_here,
        "ext_here": ext_here,
        "ext_there": ext_there,
        "gap_here": gap_here,
        "gap_there": gap_there,
        "notification": notification,
        "robot_here": robot_here,
        "robot_there": robot_there,
        "collection": collection,
        "image": image,
        "document": document,
        "redirect": redirect,
        "revision": revision,
        "site": Site.objects.get(is_default_site=True),
        "workflow": Workflow.objects.first(),
        "task": Task.objects.first(),
        "trainers_group": Group.objects.get(name="Trainers"),
        "restriction": PageViewRestriction.objects.get(page=home),
        **{f"setting_{label.replace('.', '_')}": row for label, row in settings_rows.items()},
    }
    users = {
        "anonymous": None,
        "learner": learner.user,
        "trainer": trainer.user,
        "other_manager": other_manager.user,
        "manager": manager.user,
        "admin": admin.user,
    }
    # Robot webhook keys are credentials: administrators only.
    everyone = (LEARNER_ID, WEST_ID, LEARNER_PHONE, WEST_PHONE, "key=east-secret", "key=west-secret")
    secrets = {
        "anonymous": (LEARNER_NAME, WEST_LEARNER_NAME, *everyone),
        "learner": (WEST_LEARNER_NAME, WEST_ID, WEST_PHONE, NEVER_KEY),
        # ID numbers and phones whole are for administrators only; trainers find people by name.
        "trainer": (*everyone, OTHER_BANK_KEY),
        "other_manager": (LEARNER_NAME, *everyone),
        "manager": (WEST_LEARNER_NAME, *everyone),
        "admin": (),
    }
    secrets["trainer"] += (question_other.stem, bank_other.title)
    return World(objects=objects, users=users, secrets=secrets)
