"""Builders for tests. They go through the same services as the product, so a test's data obeys
the same rules as real data."""

from __future__ import annotations

import itertools

from wagtail.models import Page

from courses.models import HomePage, LessonPage, LessonVideo, ModuleIndexPage, ModulePage
from exams.models import Choice, ExamPage, Question, QuestionBank
from training.org.choices import Employment, Level, Role, UnitLevel
from training.org.models import BusinessArea, OrgUnit, Staff
from training.org.services import business_areas_ensure_catalogue, org_unit_create, role_grant, staff_create

_seq = itertools.count(1)
PASSWORD = "pw-测试-12345"


def areas() -> dict[str, BusinessArea]:
    return {a.code: a for a in business_areas_ensure_catalogue()}


def unit(
    *,
    parent: OrgUnit | None = None,
    name: str | None = None,
    rural: bool = False,
    offers: list[str] | None = None,
) -> OrgUnit:
    levels = [c.value for c in UnitLevel]
    level = levels[0] if parent is None else levels[levels.index(parent.level) + 1]
    n = next(_seq)
    catalogue = areas()
    return org_unit_create(
        parent=parent,
        name=name or f"单位{n}",
        code=f"u{n}",
        level=level,
        is_rural=rural,
        population=10_000,
        areas=[catalogue[c] for c in (offers or [])],
    )


def staff(
    *,
    org_unit: OrgUnit,
    name: str | None = None,
    role: str = Role.LEARNER,
    manages: OrgUnit | None = None,
    employment: str = Employment.FULL_TIME,
    password: str | None = PASSWORD,
) -> Staff:
    n = next(_seq)
    person = staff_create(
        username=f"user{n}",
        name=name or f"张{n}",
        org_unit=org_unit,
        password=password,
        employment=employment,
    )
    if role != Role.LEARNER:
        role_grant(user=person.user, role=role, org_unit=manages)
    return person


def city_tree() -> dict[str, OrgUnit]:
    """城市 → 两个区 → 各一个街道 → 各一个社区 (community offers employment and pension)."""
    city = unit(name="江川市")
    east = unit(parent=city, name="东湖区")
    west = unit(parent=city, name="西城区", rural=True)
    east_street = unit(parent=east, name="东湖街道", offers=["employment", "pension"])
    west_street = unit(parent=west, name="南岭镇", rural=True, offers=["employment"])
    east_comm = unit(parent=east_street, name="湖滨社区", offers=["employment", "pension"])
    west_comm = unit(parent=west_street, name="石桥村", rural=True, offers=["employment", "pension"])
    return {
        "city": city,
        "east": east,
        "west": west,
        "east_street": east_street,
        "west_street": west_street,
        "east_comm": east_comm,
        "west_comm": west_comm,
    }


def home() -> HomePage:
    return HomePage.objects.get(depth=2)


def publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def lesson_video(*, title: str, area: BusinessArea | None) -> LessonVideo:
    """A lesson video record of a business area; its file is a stub (not processed)."""
    from django.core.files.base import ContentFile

    from wagtail.models import Collection

    video = LessonVideo(title=title, type="video", area=area, collection=Collection.get_first_root_node())
    video.file.save("lesson.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64), save=False)
    video.save()
    return video


def module_index() -> ModuleIndexPage:
    existing = ModuleIndexPage.objects.first()
    return existing or publish(home(), ModuleIndexPage(title="培训模块", slug="modules"))


def bank(*, area: BusinessArea, level: str = Level.BASIC, questions: int = 5) -> QuestionBank:
    qb = QuestionBank.objects.create(title=f"{area.name}题库{next(_seq)}", area=area, level=level)
    for i in range(questions):
        q = Question.objects.create(
            bank=qb,
            stem=f"第{i + 1}题：失业保险金申领需要哪项材料？",
            sort_order=i,
            explanation="依据《失业保险条例》。",
        )
        Choice.objects.bulk_create(
            Choice(question=q, text=text, is_correct=j == 0, sort_order=j)
            for j, text in enumerate(["身份证", "户口本原件", "结婚证", "房产证"])
        )
    return qb


def module(
    *,
    area_code: str = "employment",
    level: str = Level.BASIC,
    lessons: int = 1,
    questions: int = 5,
    question_count: int = 5,
    pass_mark: int = 60,
) -> ModulePage:
    area = areas()[area_code]
    n = next(_seq)
    mod = publish(
        module_index(), ModulePage(title=f"{area.name}模块{n}", slug=f"m{n}", area=area, level=level)
    )
    for i in range(lessons):
        publish(
            mod,
            LessonPage(
                title=f"阅读课{i + 1}：失业保险金申领",
                slug=f"lesson-{i + 1}",
                body=[{"type": "paragraph", "value": "<p>失业保险金申领条件与流程。</p>"}],
            ),
        )
    publish(
        mod,
        ExamPage(
            title="结业考试",
            slug="exam",
            bank=bank(area=area, level=level, questions=questions),
            question_count=question_count,
            pass_mark=pass_mark,
            success_text="恭喜通过",
            fail_text="请复习后再试",
        ),
    )
    return mod


def lessons_of(mod: ModulePage) -> list[LessonPage]:
    return list(LessonPage.objects.child_of(mod).order_by("path"))


def exam_of(mod: ModulePage) -> ExamPage:
    return ExamPage.objects.child_of(mod).get()


def correct_answers(attempt) -> dict[int, int]:
    ids = [e["q"] for e in attempt.paper]
    return dict(Choice.objects.filter(question_id__in=ids, is_correct=True).values_list("question_id", "pk"))


def screenshot_path(name: str):
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def typed_question(
    bank: QuestionBank,
    qtype: str,
    *,
    stem: str = "",
    points: int = 1,
    difficulty: int = 1,
    correct=(0,),
    answers=(),
) -> Question:
    """A question of any type; true/false gets the options 正确/错误."""
    q = Question.objects.create(
        bank=bank,
        qtype=qtype,
        stem=stem or f"{qtype}：社保卡补换需要什么？",
        points=points,
        difficulty=difficulty,
        answers=list(answers),
        explanation="依据《社会保障卡管理办法》。",
    )
    texts = {
        "true_false": ["正确", "错误"],
        "single": ["身份证", "户口本", "结婚证", "房产证"],
        "multiple": ["身份证", "照片", "申请表", "房产证"],
    }.get(qtype, [])
    Choice.objects.bulk_create(
        Choice(question=q, text=t, is_correct=i in correct, sort_order=i) for i, t in enumerate(texts)
    )
    return q
