"""Generators behind ``manage.py seed_demo``: each builds one domain through services and yields
progress lines. A fixed seed makes the city the same on every machine; natural keys (unit codes,
usernames, page slugs) make a second run find everything in place and change nothing.
"""

from __future__ import annotations

import datetime
import random
import tempfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from wagtail.documents.models import Document
from wagtail.models import Collection, Page

from courses.models import (
    HomePage,
    LessonPage,
    LessonVideo,
    LiveSessionPage,
    ModuleIndexPage,
    ModulePage,
    TextbookChapterPage,
    TextbookIndexPage,
    TextbookPage,
    VideoLessonPage,
)
from courses.services import lesson_complete, lesson_start, textbook_new_version, video_process
from courses.video_processing import generate_demo_video
from exams.models import Choice, ExamPage, Question, QuestionBank
from training.competency.models import Certification, CertificationRule
from training.competency.services import certification_issue, certification_revoke
from training.org.choices import Employment, Level, Role, UnitLevel
from training.org.models import BusinessArea, OrgUnit, Staff
from training.org.selectors import trainers_of_area
from training.org.services import business_areas_ensure_catalogue, org_unit_create, role_grant, staff_create

from . import names
from .content import AREAS as CONTENT

SEED = 20261127
LEVEL_TITLES = {Level.BASIC: "初级", Level.INTERMEDIATE: "中级", Level.ADVANCED: "高级"}
# Offered by every community/village service point; the rest are drawn per station.
CORE_COMMUNITY_AREAS = ["employment", "pension", "medical", "sscard"]
EXTRA_COMMUNITY_AREAS = ["unemployment", "labour_rights", "labour_inspection", "retiree"]

DEMO_LOGINS = [
    # username, role, description (printed by make run)
    ("demo_admin", Role.ADMIN, "管理员 administrator"),
    ("demo_trainer", Role.TRAINER, "培训师 trainer for 就业服务 and 失业保险"),
    ("demo_trainer_insurance", Role.TRAINER, "培训师 trainer for 养老保险, 医疗保险 and 社会保障卡"),
    ("demo_trainer_labour", Role.TRAINER, "培训师 trainer for 劳动关系, 劳动保障监察 and 离退休人员管理"),
    ("demo_senior", Role.SENIOR_TRAINER, "高级培训师 senior trainer, approves content"),
    ("demo_manager", Role.MANAGER, "东湖区主管 district manager of 东湖区"),
    ("demo_learner", Role.LEARNER, "湖滨社区工作人员 learner at 湖滨社区"),
]
# The business areas of each demo trainer: together every area, so each area's question banks
# have a trainer of that area as their contact.
DEMO_TRAINER_AREAS = {
    "demo_trainer": ["employment", "unemployment"],
    "demo_trainer_insurance": ["pension", "medical", "sscard"],
    "demo_trainer_labour": ["labour_rights", "labour_inspection", "retiree"],
}


def _person_name(rng: random.Random, used: set[str]) -> str:
    while True:
        given = rng.choice(names.GIVEN_CHARS)
        if rng.random() < 0.6:
            given += rng.choice(names.GIVEN_CHARS)
        name = rng.choice(names.SURNAMES) + given
        if name not in used:
            used.add(name)
            return name


def seed_org(rng: random.Random) -> Iterator[str]:
    """The business areas and the demo city's tree: 4 districts/counties, 12 streets/towns,
    36 communities/villages; the two counties are rural."""
    areas = {a.code: a for a in business_areas_ensure_catalogue()}
    all_areas = list(areas.values())
    city_name, city_code, city_pop = names.CITY
    city = OrgUnit.objects.filter(code=city_code).first() or org_unit_create(
        parent=None, name=city_name, code=city_code, level=UnitLevel.CITY, population=city_pop
    )
    created = 0
    for d_name, d_code, rural, d_pop, streets in names.DISTRICTS:
        district = OrgUnit.objects.filter(code=d_code).first()
        if district is None:
            district = org_unit_create(
                parent=city,
                name=d_name,
                code=d_code,
                level=UnitLevel.DISTRICT,
                is_rural=rural,
                population=d_pop,
            )
            created += 1
        for s_name, s_code, s_pop, communities in streets:
            street = OrgUnit.objects.filter(code=s_code).first()
            if street is None:
                street = org_unit_create(
                    parent=district,
                    name=s_name,
                    code=s_code,
                    level=UnitLevel.STREET,
                    is_rural=rural,
                    population=s_pop,
                    areas=all_areas,
                )
                created += 1
            for index, c_name in enumerate(communities, start=1):
                c_code = f"{s_code}-{index:02d}"
                # Draw before looking, so that a second run draws exactly as the first did.
                extra = rng.sample(EXTRA_COMMUNITY_AREAS, 2)
                jitter = rng.randint(-3000, 3000)
                if OrgUnit.objects.filter(code=c_code).exists():
                    continue
                offered = [areas[c] for c in CORE_COMMUNITY_AREAS + extra]
                org_unit_create(
                    parent=street,
                    name=c_name,
                    code=c_code,
                    level=UnitLevel.COMMUNITY,
                    is_rural=rural,
                    population=s_pop // 3 + jitter,
                    areas=offered,
                )
                created += 1
    yield f"org: {OrgUnit.objects.count()} units ({created} new), {len(areas)} business areas"


def _staff_plan(unit: OrgUnit, rng: random.Random) -> list[tuple[str, str]]:
    """(post, employment) for each person of a unit; rural points lean on part-time staff."""
    if unit.level == UnitLevel.CITY:
        return [("培训专员", Employment.FULL_TIME)] * 3
    if unit.level == UnitLevel.DISTRICT:
        return [(rng.choice(names.POSTS_DISTRICT), Employment.FULL_TIME) for _ in range(5)]
    if unit.level == UnitLevel.STREET:
        n = rng.randint(9, 13)
        return [
            (
                names.POSTS_STREET[i] if i < len(names.POSTS_STREET) else rng.choice(names.POSTS_STREET[2:]),
                Employment.FULL_TIME
                if rng.random() < (0.75 if unit.is_rural else 0.9)
                else Employment.PART_TIME,
            )
            for i in range(n)
        ]
    n = rng.randint(4, 7) if unit.is_rural else rng.randint(5, 8)
    share_full = 0.35 if unit.is_rural else 0.7
    return [
        (
            rng.choice(names.POSTS_COMMUNITY),
            Employment.FULL_TIME if rng.random() < share_full else Employment.PART_TIME,
        )
        for _ in range(n)
    ]


def seed_staff(rng: random.Random) -> Iterator[str]:
    """About 350 staff with Chinese names, plus the demo logins."""
    areas = list(BusinessArea.objects.order_by("sort_order"))
    used: set[str] = set()
    existing = set(get_user_model().objects.values_list("username", flat=True))
    created = 0
    serial = 0
    today = timezone.localdate()
    for unit in OrgUnit.objects.order_by("path"):
        for post, employment in _staff_plan(unit, rng):
            serial += 1
            username = f"staff{serial:04d}"
            name = _person_name(rng, used)
            speciality = rng.choice(areas)
            hire = today - datetime.timedelta(days=rng.randint(120, 15 * 365))
            if username in existing:
                continue
            staff_create(
                username=username,
                name=name,
                org_unit=unit,
                post=post,
                employment=employment,
                speciality=speciality,
                hire_date=hire,
            )
            created += 1
    demo_units = {
        "demo_admin": "jc",
        "demo_trainer": "jc",
        "demo_trainer_insurance": "jc",
        "demo_trainer_labour": "jc",
        "demo_senior": "jc",
        "demo_manager": "dh",
        "demo_learner": "dh-dhjd-01",
    }
    demo_names = {
        "demo_admin": "系统管理员",
        "demo_trainer": "林培训",
        "demo_trainer_insurance": "钱慧敏",
        "demo_trainer_labour": "孙立新",
        "demo_senior": "何审核",
        "demo_manager": "周主管",
        "demo_learner": "张小明",
    }
    for username, role, _ in DEMO_LOGINS:
        if username in existing:
            continue
        unit = OrgUnit.objects.get(code=demo_units[username])
        staff = staff_create(
            username=username,
            name=demo_names[username],
            org_unit=unit,
            password=settings.DEMO_PASSWORD,
            post="综合窗口受理员" if role == Role.LEARNER else "业务指导员",
            employment=Employment.FULL_TIME,
            speciality=BusinessArea.objects.get(code=DEMO_TRAINER_AREAS.get(username, ["employment"])[0]),
            hire_date=today - datetime.timedelta(days=900),
        )
        if role != Role.LEARNER:
            trainer_areas = (
                list(BusinessArea.objects.filter(code__in=DEMO_TRAINER_AREAS[username]))
                if role == Role.TRAINER
                else None
            )
            role_grant(
                user=staff.user,
                role=role,
                org_unit=unit if role == Role.MANAGER else None,
                areas=trainer_areas,
            )
        created += 1
    yield f"staff: {Staff.objects.count()} people ({created} new)"


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


# The application forms (申请表) of a few business items, as real spreadsheets to download.
ITEM_FORMS = {
    "就业登记": "就业登记表",
    "失业登记": "失业登记表",
    "失业保险金申领": "失业保险金申领登记表",
    "城乡居民养老保险参保登记": "城乡居民基本养老保险参保登记表",
    "跨省异地就医备案": "跨省异地就医登记备案表",
    "社会保障卡首次申领": "社会保障卡申领登记表",
}
FORM_FIELDS = ("姓名", "性别", "公民身份号码", "联系电话", "户籍地址", "现居住地址", "申请事项")


def _demo_form(title: str) -> Document:
    """A blank application form (申请表) as an Excel workbook, made here with openpyxl."""
    document = Document.objects.filter(title=title).first()
    if document is not None:
        return document
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申请表"
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    for row, label in enumerate(FORM_FIELDS, start=3):
        sheet.cell(row=row, column=1, value=label)
    sheet.cell(row=len(FORM_FIELDS) + 4, column=1, value="申请人（签字）：")
    sheet.cell(row=len(FORM_FIELDS) + 5, column=1, value="经办人：　　　　　　经办日期：　　年　　月　　日")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 40
    data = BytesIO()
    workbook.save(data)
    return Document.objects.create(
        title=title,
        file=ContentFile(data.getvalue(), name=f"{title}.xlsx"),
        collection=Collection.get_first_root_node(),
    )


def _business_item_value(item: dict) -> dict:
    form = ITEM_FORMS.get(item["name"])
    return {
        "name": item["name"],
        "policy_basis": [
            {
                "title": p["title"],
                "doc_number": p.get("doc_number", ""),
                "clause": p.get("clause", ""),
                "effective": p.get("effective") or None,
                "expiry": p.get("expiry") or None,
            }
            for p in item["policy_basis"]
        ],
        "conditions": item["conditions"],
        "materials": item["materials"],
        "steps": item["steps"],
        "time_limit": item["time_limit"],
        "fees": item.get("fees", ""),
        "faq": [{"question": f["q"], "answer": f["a"]} for f in item.get("faq", [])],
        "attachments": [{"title": form, "document": _demo_form(form).pk}] if form else [],
    }


VIDEO_AREAS = {"employment": 200, "unemployment": 20, "sscard": 140}


def _demo_video(area: BusinessArea, hue: int, title: str = "") -> LessonVideo:
    """A short generated lesson video (made here with PyAV, so nothing is downloaded)."""
    title = title or f"{area.name}业务办理演示"
    video = LessonVideo.objects.filter(title=title).first()
    if video is not None:
        if video.area_id is None:  # seeded before videos had areas
            LessonVideo.objects.filter(pk=video.pk).update(area=area)
            video.area = area
        return video
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{area.code}-{hue}.mp4"
        generate_demo_video(path, seconds=24, width=640, height=360, fps=12, hue=hue, label=area.name_en)
        video = LessonVideo(title=title, type="video", area=area, collection=Collection.get_first_root_node())
        video.file.save(f"demo-{area.code}-{hue}.mp4", ContentFile(path.read_bytes()), save=False)
        video.save()
    return video_process(video_id=video.pk)


def _chapter_body(chapter: dict) -> list[dict]:
    return [
        {
            "type": "section",
            "value": {
                "title": f"第{index}节 {item['name']}",
                "content": [{"type": "business_item", "value": _business_item_value(item)}],
            },
        }
        for index, item in enumerate(chapter["items"], start=1)
    ]


def _seed_textbook(textbooks: Page, area: BusinessArea, book: dict) -> tuple[TextbookPage, int]:
    existing = TextbookPage.objects.filter(slug=f"textbook-{area.code}").first()
    if existing is not None:
        return existing, 0
    textbook = _publish(
        textbooks,
        TextbookPage(
            title=book["title"],
            slug=f"textbook-{area.code}",
            area=area,
            version=book["version"],
            effective_date=datetime.date.fromisoformat(book["effective_date"]),
            intro=book["intro"],
        ),
    )
    for index, chapter in enumerate(book["chapters"], start=1):
        _publish(
            textbook,
            TextbookChapterPage(
                title=chapter["title"],
                slug=f"chapter-{index}",
                intro=chapter.get("intro", ""),
                body=_chapter_body(chapter),
            ),
        )
    return textbook, 1 + len(book["chapters"])


def _seed_revision(textbook: TextbookPage) -> int:
    """The social-security-card textbook has a revised version in force, so the shelf, the
    version list and the "what changed" page all have something to show."""
    if TextbookPage.objects.filter(previous_version=textbook).exists():
        return 0
    today = timezone.localdate()
    new = textbook_new_version(
        textbook=textbook, version="2026年修订版", effective_date=today - datetime.timedelta(days=30)
    )
    new.change_note = "根据社保卡“一卡通”应用要求，补换卡办结时限压缩，并增加电子社保卡同步挂失说明。"
    new.save_revision().publish()
    first = TextbookChapterPage.objects.child_of(new).order_by("path").first()
    if first is not None:
        body = first.body.raw_data
        for block in body:
            value = block["value"]["content"][0]["value"]
            value["time_limit"] = "即时办结；需制卡的，5个工作日内发卡（修订前为10个工作日）"
            value["materials"] = list(value["materials"]) + ["已申领电子社保卡的，同步办理电子社保卡挂失"]
            break
        first.body = body
        first.save_revision().publish()
    return 1 + TextbookChapterPage.objects.child_of(new).count()


def _trains_area(user_id: int | None, area: BusinessArea) -> bool:
    return user_id is not None and trainers_of_area(area_id=area.pk).filter(pk=user_id).exists()


def seed_content(rng: random.Random) -> Iterator[str]:
    """Per business area: a textbook of chapters and business items, a basic and an intermediate
    module (the intermediate one requires the basic one) with reading lessons quoting the textbook,
    exams on the two question banks; generated video lessons for a few areas, one past live
    session with its recording and one upcoming."""
    home = HomePage.objects.get(depth=2)
    trainer_of = {
        code: get_user_model().objects.filter(username=username).first()
        for username, codes in DEMO_TRAINER_AREAS.items()
        for code in codes
    }
    textbooks = TextbookIndexPage.objects.first() or _publish(
        home, TextbookIndexPage(title="业务经办教材", slug="textbooks")
    )
    modules = ModuleIndexPage.objects.first() or _publish(
        home, ModuleIndexPage(title="培训模块", slug="modules")
    )
    new_pages = 0
    new_questions = 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for entry in CONTENT:
        area = BusinessArea.objects.get(code=entry["code"])
        textbook, created_pages = _seed_textbook(textbooks, area, entry["textbook"])
        new_pages += created_pages
        if area.code == "sscard":
            new_pages += _seed_revision(textbook)
        first_chapter = TextbookChapterPage.objects.child_of(textbook).order_by("path").first()
        previous_module = None
        for level in (Level.BASIC, Level.INTERMEDIATE):
            owner = trainer_of.get(area.code)
            bank, created = QuestionBank.objects.get_or_create(
                area=area,
                level=level,
                defaults={"title": f"{area.name}{LEVEL_TITLES[level]}题库", "owner": owner},
            )
            if owner is not None and bank.owner_id != owner.pk and not _trains_area(bank.owner_id, area):
                # A demo made before banks followed areas gave them all to demo_trainer.
                QuestionBank.objects.filter(pk=bank.pk).update(owner=owner)
            if created:
                questions = [q for q in entry["questions"] if q["level"] == level]
                for order, q in enumerate(questions):
                    question = Question.objects.create(
                        bank=bank,
                        stem=q["stem"],
                        explanation=q["explanation"],
                        difficulty=q.get("difficulty", 1),
                        sort_order=order,
                    )
                    Choice.objects.bulk_create(
                        Choice(question=question, text=text, is_correct=i == q["answer"], sort_order=i)
                        for i, text in enumerate(q["options"])
                    )
                    new_questions += 1
            slug = f"module-{area.code}-{level}"
            existing = ModulePage.objects.filter(slug=slug).first()
            if existing is not None:
                previous_module = existing
                continue
            module = _publish(
                modules,
                ModulePage(
                    title=f"{area.name}（{LEVEL_TITLES[level]}）",
                    slug=slug,
                    area=area,
                    level=level,
                    prerequisite=previous_module,
                    intro=f"{area.name}业务{LEVEL_TITLES[level]}培训：学习经办规范，完成全部课时并通过考试即可取得{LEVEL_TITLES[level]}资格证书。",
                ),
            )
            previous_module = module
            lessons = [lesson for lesson in entry["lessons"] if lesson["level"] == level]
            for index, lesson in enumerate(lessons, start=1):
                body = [{"type": "paragraph", "value": f"<p>{p}</p>"} for p in lesson["paragraphs"]]
                if first_chapter is not None:
                    body.append(
                        {
                            "type": "textbook_sections",
                            "value": {"chapter": first_chapter.pk, "section_filter": ""},
                        }
                    )
                _publish(
                    module, LessonPage(title=lesson["title"], slug=f"lesson-{index}", minutes=15, body=body)
                )
                new_pages += 1
            if level == Level.BASIC and area.code in VIDEO_AREAS:
                _publish(
                    module,
                    VideoLessonPage(
                        title=f"视频课：{area.name}窗口受理演示",
                        slug="video",
                        video=_demo_video(area, VIDEO_AREAS[area.code]),
                        summary="跟随演示了解窗口受理的标准动作。看完视频的九成即完成本课，拖动进度条跳过的部分不计入。",
                    ),
                )
                new_pages += 1
            if level == Level.INTERMEDIATE and area.code in ("employment", "unemployment"):
                past = area.code == "employment"
                starts = (
                    now - datetime.timedelta(days=7) if past else now + datetime.timedelta(days=3, hours=1)
                )
                _publish(
                    module,
                    LiveSessionPage(
                        title=f"直播课：{area.name}政策解读与答疑",
                        slug="live",
                        starts_at=starts,
                        ends_at=starts + datetime.timedelta(hours=1, minutes=30),
                        join_url="https://meeting.example.cn/j/20261127",
                        signin_code=f"{rng.randint(0, 999999):06d}",
                        summary="市人社局业务骨干在线讲解最新政策并现场答疑，会中公布签到码。",
                        recording=_demo_video(area, 60, f"{area.name}政策解读直播回放") if past else None,
                    ),
                )
                new_pages += 1
            _publish(
                module,
                ExamPage(
                    title=f"{area.name}{LEVEL_TITLES[level]}结业考试",
                    slug="exam",
                    bank=bank,
                    question_count=10,
                    pass_mark=60,
                    intro="单项选择题，每题一个正确答案。答题过程中每道题选择后立即保存。",
                    success_text="恭喜您通过考试！",
                    fail_text="本次未通过，请复习教材后再试。",
                ),
            )
            new_pages += 2
    yield f"content: {Page.objects.count()} pages ({new_pages} new), {Question.objects.count()} questions ({new_questions} new), {LessonVideo.objects.count()} videos"


@transaction.atomic
def seed_certifications(rng: random.Random) -> Iterator[str]:
    """A spread of certifications: most staff hold their speciality, many hold more areas, some
    are advanced specialists; issue dates reach back far enough that some expire soon and some
    have expired. Staff who already hold any certification are left as they are."""
    today = timezone.localdate()
    areas = list(BusinessArea.objects.order_by("sort_order"))
    holders = set(Certification.objects.values_list("staff_id", flat=True).distinct())
    created = 0
    for staff in Staff.objects.select_related("speciality", "user").order_by("pk"):
        if staff.pk in holders or staff.user.username.startswith("demo_"):
            continue
        # One stream per person: what a person holds does not depend on who was seeded before.
        own = random.Random(f"{SEED}-{staff.user.username}")
        if own.random() < 0.12:
            continue  # newly hired, nothing yet
        draw = own.random()
        level = Level.ADVANCED if draw < 0.25 else (Level.INTERMEDIATE if draw < 0.6 else Level.BASIC)
        chosen = [(staff.speciality or areas[0], level)]
        others = [a for a in areas if a != chosen[0][0]]
        chosen += [
            (a, Level.BASIC if own.random() < 0.7 else Level.INTERMEDIATE)
            for a in own.sample(others, own.randint(0, 4))
        ]
        for area, cert_level in chosen:
            certification_issue(
                staff=staff,
                area=area,
                level=cert_level,
                issued_on=today - datetime.timedelta(days=own.randint(10, 4 * 365)),
                reason="demo",
            )
            created += 1
    yield f"certifications: {Certification.objects.count()} ({created} new)"


def seed_demo_progress(rng: random.Random) -> Iterator[str]:
    """The demo learner has read the first lesson of the employment module, so the home page has
    somewhere to continue from; the demo manager holds two certifications."""
    user = get_user_model().objects.filter(username="demo_learner").first()
    module = ModulePage.objects.filter(slug="module-employment-basic").first()
    if user and module:
        first = module.get_children().live().first()
        if first is not None:
            lesson_start(user=user, page=first)
            lesson_complete(user=user, page=first)
    manager = Staff.objects.filter(user__username="demo_manager").first()
    if manager and not Certification.objects.filter(staff=manager).exists():
        today = timezone.localdate()
        for code, level, days in (("employment", Level.ADVANCED, 200), ("unemployment", Level.BASIC, 1000)):
            certification_issue(
                staff=manager,
                area=BusinessArea.objects.get(code=code),
                level=level,
                issued_on=today - datetime.timedelta(days=days),
                reason="demo",
            )
    # One certification revoked by the administrator, with the reason on record.
    admin = get_user_model().objects.filter(username="demo_admin").first()
    if admin and not Certification.objects.filter(status="revoked").exists():
        target = (
            Certification.objects.filter(staff__user__username__startswith="staff").order_by("pk").first()
        )
        if target is not None:
            certification_revoke(
                certification=target, actor=admin, reason="复核发现实操考核记录缺失，撤销后重新考核"
            )
    # Rules: the social-security card is re-certified every 2 years; the intermediate labour
    # inspection certificate also needs a practical assessment at the counter.
    areas = {a.code: a for a in BusinessArea.objects.all()}
    CertificationRule.objects.get_or_create(
        area=areas["sscard"], level=Level.BASIC, defaults={"validity_years": 2, "renewal_window_days": 60}
    )
    CertificationRule.objects.get_or_create(
        area=areas["labour_inspection"], level=Level.INTERMEDIATE, defaults={"require_practical": True}
    )
    yield "demo progress: ready"


def seed_drills(rng: random.Random) -> Iterator[str]:
    """练兵 in the last days: about a third of the staff did a daily practice, each with their own
    share of right answers, so stations and districts have points per head to compare, and the
    demo learner has a wrong-answer book. Each person and day is drawn once: idempotent."""
    from exams.models import Attempt
    from exams.services import attempt_submit, daily_practice_start

    today = timezone.localdate()
    done = 0
    people = list(Staff.objects.select_related("user").order_by("pk"))
    for person in people:
        own = random.Random(f"{SEED}-drill-{person.user.username}")
        if person.user.username != "demo_learner" and own.random() > 0.35:
            continue
        skill = 0.25 if person.user.username == "demo_learner" else own.uniform(0.3, 0.95)
        for days_ago in (3, 1):
            day = today - datetime.timedelta(days=days_ago)
            if Attempt.objects.filter(user=person.user, kind=Attempt.Kind.DAILY, day=day).exists():
                continue
            attempt = daily_practice_start(user=person.user, today=day)
            right = dict(
                Choice.objects.filter(
                    question_id__in=[e["q"] for e in attempt.paper], is_correct=True
                ).values_list("question_id", "pk")
            )
            answers = {q: c for q, c in right.items() if own.random() < skill}
            attempt_submit(attempt_id=attempt.pk, user=person.user, answers=answers)
            done += 1
    yield f"drills: {done} daily practices handed in"


def _demo_plan(**fields) -> int:
    from training.plans.services import plan_create, plan_sync

    with transaction.atomic():
        plan = plan_create(**fields)
        # As if assigned on the day the plan started (before the queued sync runs at commit), so
        # due dates fall where the story needs them.
        plan_sync(plan=plan, today=plan.starts_on)
    return 1


def seed_plans(rng: random.Random) -> Iterator[str]:
    """Training plans: a yearly policy refresh for the city's full-time staff (due in a few weeks),
    an ad-hoc plan for a new unemployment-insurance policy in 东湖区 that is already overdue (so
    reminders and escalation have something to chase), and the coverage-gap proposals."""
    from training.plans.models import TrainingPlan
    from training.plans.services import gap_proposals_refresh, reminders_send

    admin = get_user_model().objects.filter(username="demo_admin").first()
    manager = get_user_model().objects.filter(username="demo_manager").first()
    city = OrgUnit.get_root_nodes().first()
    east = OrgUnit.objects.filter(name="东湖区").first()
    refresh_exam = (
        ExamPage.objects.live()
        .filter(slug__startswith="exam")
        .descendant_of(ModulePage.objects.get(slug="module-unemployment-basic"))
        .first()
    )
    new_policy = ModulePage.objects.filter(slug="module-employment-basic").first()
    today = timezone.localdate()
    if admin is None or manager is None or city is None or east is None or not refresh_exam or not new_policy:
        yield "plans: skipped (no demo city)"
        return
    made = 0
    if not TrainingPlan.objects.filter(title="年度业务政策更新培训").exists():
        made += _demo_plan(
            actor=admin,
            root=city,
            title="年度业务政策更新培训",
            description="每年一次：学习最新政策口径，并重新通过失业保险业务考试。",
            pages=[refresh_exam],
            recurrence="yearly",
            employment=Employment.FULL_TIME,
            starts_on=today - datetime.timedelta(days=20),
            due_days=45,
        )
    if not TrainingPlan.objects.filter(title="稳岗返还新政专项培训").exists():
        made += _demo_plan(
            actor=manager,
            root=east,
            title="稳岗返还新政专项培训",
            description="新政策实施：东湖区全体人员完成就业服务初级模块。",
            pages=[new_policy],
            starts_on=today - datetime.timedelta(days=40),
            due_on=today - datetime.timedelta(days=10),
        )
    sent = reminders_send()
    gaps = gap_proposals_refresh()
    yield f"plans: {TrainingPlan.objects.count()} ({made} new), reminders {sum(sent.values())}, gap proposals {gaps}"


def seed_all() -> Iterator[str]:
    generators = (
        seed_org,
        seed_staff,
        seed_content,
        seed_certifications,
        seed_demo_progress,
        seed_drills,
        seed_plans,
    )
    for offset, generator in enumerate(generators):
        # Each generator draws from its own stream, so a change in one leaves the others alone.
        yield from generator(random.Random(SEED + offset))
