"""One person with something in every corner of the platform, for the personal-data tests: made
through the product's own services (roster import, transfer, roles, lessons, exams with an essay
marked by a trainer, certifications, a practical assessment, a plan with an extension request,
notifications, a group-robot message, a Wagtail log entry)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from wagtail.log_actions import log

from courses.services import lesson_complete
from exams.models import ExamFixedQuestion
from exams.services import answer_mark, attempt_start, attempt_submit
from tests import factories
from training.competency.services import certification_issue_manual, practical_record
from training.notify.models import RobotWebhook
from training.notify.services import notify_unit
from training.org.models import Staff
from training.org.roster import HEADERS, STAFF_NUMBER, roster_import
from training.org.services import role_grant, staff_transfer
from training.plans.services import extension_decide, extension_request, plan_create, plan_sync

from .conftest import id_number, roster_bytes

NAME = "欧阳娜娜"
PHONE = "13912345678"
# Her login name: a staff number distinctive enough that finding it anywhere is finding her
# (a sequence name such as "u1" is also a unit code, a page path …).
STAFF_NO = "DHJY-ONN-0042"
EMAIL = "ouyang.nana@example.cn"
ESSAY = f"我是{NAME}，先登记，再申领，最后审核发放。"


def right_answers(attempt) -> dict:
    return factories.correct_answers(attempt)


def build(tree, people, *, n: int = 424242) -> SimpleNamespace:
    admin, trainer, manager = people["admin"].user, people["trainer"].user, people["manager"].user
    number = id_number(n)
    summary = roster_import(
        data=roster_bytes(
            [[tree["east_street"].code, NAME, number, PHONE, "社保经办员", "专职", "就业服务", STAFF_NO]],
            headers=(*HEADERS, STAFF_NUMBER),
        ),
        filename="花名册.xlsx",
        actor=admin,
    )
    staff = Staff.objects.select_related("user").get(id_number=number)
    user = staff.user
    user.email = EMAIL
    user.save(update_fields=["email"])
    staff_transfer(staff=staff, to_unit=tree["east_comm"], actor=admin, source="调动")
    staff.refresh_from_db()
    role_grant(user=user, role="manager", org_unit=tree["east_comm"], actor=admin)
    log(instance=user, action="wagtail.edit", user=admin)

    # Learning and a formal exam, passed.
    mod = factories.module(area_code="employment", lessons=1)
    lesson_complete(user=user, page=factories.lessons_of(mod)[0])
    exam = factories.exam_of(mod)
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers=right_answers(attempt))

    # An essay, marked by the bank's trainer with a comment naming her.
    area = factories.areas()["pension"]
    bank = factories.bank(area=area, questions=0)
    bank.owner = trainer
    bank.save()
    essay = factories.typed_question(bank, "essay", stem="简述城乡居民养老保险参保流程。", points=4)
    essay_mod = factories.module(area_code="pension", lessons=0)
    essay_exam = factories.exam_of(essay_mod)
    ExamFixedQuestion.objects.create(page=essay_exam, question=essay, sort_order=0)
    essay_attempt = attempt_start(user=user, exam=essay_exam)
    attempt_submit(attempt_id=essay_attempt.pk, user=user, answers={essay.pk: ESSAY})
    answer = essay_attempt.answers.get(question=essay)
    answer_mark(answer_id=answer.pk, marker=trainer, awarded=Decimal(3), comment=f"{NAME}答得较完整")

    # Certifications: one by hand with a reason naming her, a practical assessment with notes.
    cert = certification_issue_manual(
        staff=staff, area=area, level="basic", actor=trainer, reason=f"{NAME}窗口考核合格，电话{PHONE}"
    )
    practical_record(
        staff=staff, area=area, level="basic", passed=True, assessor=trainer, notes=f"{NAME}受理规范"
    )

    # A plan, an extension request naming her, refused with a note.
    todo = factories.module(area_code="unemployment", lessons=0, questions=1, question_count=1)
    plan = plan_create(
        actor=manager,
        root=tree["east"],
        title="就业服务轮训",
        pages=[todo],
        starts_on=datetime.date(2026, 1, 1),
        due_on=datetime.date(2099, 12, 31),
    )
    plan_sync(plan=plan)
    assignment = staff.assignments.get(round__plan=plan)
    request = extension_request(
        user=user,
        assignment=assignment,
        new_due_on=datetime.date(2100, 1, 31),
        reason=f"{NAME}家中有事，请联系{PHONE}",
    )
    extension_decide(actor=manager, request=request, approve=False, note=f"{NAME}请按时完成")

    # A group-robot message naming her.
    RobotWebhook.objects.create(
        org_unit=tree["east_comm"],
        name="湖滨社区工作群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
    )
    notify_unit(
        tree["east_comm"], kind="escalation", text=f"【培训督办】{NAME}的培训任务已逾期", dedupe_key="t1"
    )

    staff.refresh_from_db()
    user.refresh_from_db()
    return SimpleNamespace(
        staff=staff,
        user=user,
        number=number,
        username=summary.usernames[number],
        mod=mod,
        exam=exam,
        bank=bank,
        essay_exam=essay_exam,
        cert=cert,
        plan=plan,
        assignment=assignment,
        terms=[NAME, number, PHONE, EMAIL, summary.usernames[number]],
    )
