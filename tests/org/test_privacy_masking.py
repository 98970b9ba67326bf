"""个人信息脱敏: a person with a known ID number and phone; every page of the site (found from the
URL resolver, arguments filled with that person's records), the exports, the JSON API and the
Wagtail admin pages each role reaches are walked as the person themselves, another learner, a
trainer and the managers of this and another subtree. The whole number never appears; only an
administrator sees it, on the one page that needs it."""

import datetime
import io
import re
import zipfile

from django.urls import URLPattern, URLResolver, get_resolver, reverse

import pytest
from pypdf import PdfReader

from courses.services import lesson_complete
from exams.models import ExamFixedQuestion
from exams.services import attempt_start, attempt_submit
from tests import factories
from training.competency.services import certification_issue_manual
from training.notify.services import notify
from training.org.models import Staff
from training.org.privacy import mask_id_number, mask_phone
from training.org.roster import roster_import
from training.plans.services import extension_request, plan_create, plan_sync

from .conftest import id_number, roster_bytes

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
SKIP_PREFIXES = ("admin/", "documents/", "media/", "api/", "accounts/logout", "i18n/", "_util/")


@pytest.fixture
def person(tree, people):
    """钱多多 of 湖滨社区, imported from a roster, with a certification, an exam with an essay marked
    by the trainer, a plan task and an extension request (so she shows on the managers' pages)."""
    number = id_number(515151)
    roster_import(
        data=roster_bytes([[tree["east_comm"].code, "钱多多", number, PHONE, "窗口受理员", "专职", ""]]),
        filename="花名册.xlsx",
        actor=people["admin"].user,
    )
    staff = Staff.objects.select_related("user").get(id_number=number)
    user, trainer = staff.user, people["trainer"].user
    mod = factories.module(area_code="employment", lessons=1)
    lesson_complete(user=user, page=factories.lessons_of(mod)[0])
    area = factories.areas()["employment"]
    bank = factories.bank(area=area, questions=0)
    bank.owner = trainer
    bank.save()
    essay = factories.typed_question(bank, "essay", stem="简述就业登记流程。", points=2)
    exam = factories.exam_of(mod)
    ExamFixedQuestion.objects.create(page=exam, question=essay, sort_order=0)
    attempt = attempt_start(user=user, exam=exam)
    attempt_submit(attempt_id=attempt.pk, user=user, answers={essay.pk: "先登记再审核。"})
    answer = attempt.answers.get()
    cert = certification_issue_manual(staff=staff, area=area, level="basic", actor=trainer, reason="考核合格")
    todo = factories.module(area_code="pension", lessons=0, questions=1, question_count=1)
    plan = plan_create(
        actor=people["manager"].user,
        root=people["manager"].org_unit,
        title="养老保险轮训",
        pages=[todo],
        due_days=30,
        starts_on=datetime.date(2026, 1, 1),
    )
    plan_sync(plan=plan)
    assignment = staff.assignments.get()
    extension_request(
        user=user,
        assignment=assignment,
        new_due_on=assignment.due_on + datetime.timedelta(days=10),
        reason="外出培训",
    )
    notification = notify(user, kind="x", title="提醒", dedupe_key="mask")
    return {
        "staff": staff,
        "number": number,
        "exam": exam,
        "attempt": attempt,
        "answer": answer,
        "cert": cert,
        "plan": plan,
        "bank": bank,
        "module": mod,
        "lesson": factories.lessons_of(mod)[0],
        "notification": notification,
    }


def _patterns(resolvers=None, prefix=""):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from (
                (route, f"{namespace}{name}" if name else None, converters)
                for route, name, converters in _patterns(entry.url_patterns, prefix + str(entry.pattern))
            )
        elif isinstance(entry, URLPattern):
            yield (
                prefix + str(entry.pattern),
                entry.name,
                entry.pattern.converters if hasattr(entry.pattern, "converters") else {},
            )


def _site_urls(tree, person) -> list[str]:
    """Every named page of the site (the resolver's list, not a hand-kept one), with arguments
    taken from the person's records, plus the query strings that reach her rows."""
    args = {
        "staff_id": person["staff"].pk,
        "attempt_id": person["attempt"].pk,
        "answer_id": person["answer"].pk,
        "bank_id": person["bank"].pk,
        "page_id": person["lesson"].pk,
        "token": person["cert"].verify_token,
        "area_code": "employment",
        "level": "basic",
    }
    by_name = {
        "competency:certificate_pdf": person["cert"].pk,
        "competency:certificate_badge": person["cert"].pk,
        "plans:plan_detail": person["plan"].pk,
        "notify:read": person["notification"].pk,
    }
    urls, missing = [], []
    for route, name, _converters in _patterns():
        if not name or route.startswith(SKIP_PREFIXES) or "(" in route:
            continue
        kwargs = {}
        for key in re.findall(r"<(?:\w+:)?(\w+)>", route):
            if key == "pk" and name in by_name:
                kwargs[key] = by_name[name]
            elif key in args:
                kwargs[key] = args[key]
            else:
                missing.append(name)
                break
        else:
            urls.append(reverse(name, kwargs=kwargs))
    assert missing in ([], ["competency:job", "competency:job_download"]), missing
    unit = person["staff"].org_unit
    urls += [
        f"{reverse('reports:dashboard')}?unit={unit.pk}",
        f"{reverse('competency:matrix')}?unit={unit.pk}",
        f"{reverse('plans:plan_detail', args=[person['plan'].pk])}?unit={unit.pk}&status=assigned",
        f"{reverse('competency:people_search')}?q=钱多多",
        f"{reverse('courses:search')}?q=钱多多",
        person["module"].url,
        person["lesson"].url,
        person["exam"].url,
        f"{person['exam'].url}?attempt={person['attempt'].pk}",
        "/api/v1/openapi.json",
        f"/api/v1/attempts/{person['attempt'].pk}",
        "/admin/",
        "/admin/users/",
        f"/admin/users/{person['staff'].user_id}/",
        "/admin/org/people/?q=钱多多",
        "/admin/org/audit/",
        "/admin/exams/questionbank/",
    ]
    return urls


def _texts(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(n).decode("utf-8", "ignore") for n in archive.namelist())
    if "pdf" in kind:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", "ignore")


def test_whole_id_number_and_phone_never_reach_learners_trainers_or_managers(
    client, tree, people, person, django_capture_on_commit_callbacks
):
    number = person["number"]
    urls = _site_urls(tree, person)
    viewers = {
        "herself": person["staff"].user,
        "learner": people["learner"].user,
        "trainer": people["trainer"].user,
        "manager": people["manager"].user,
        "other manager": people["west_manager"].user,
    }
    seen = {}
    for role, user in viewers.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            text = _texts(response)
            assert number not in text and PHONE not in text, (role, url)
            seen[(role, url)] = response.status_code
        if role in ("manager", "other manager"):
            unit = tree["east"] if role == "manager" else tree["west"]
            # Every table of the dashboard is a sheet of "all"; the roster is the one with numbers.
            for table, fmt in (("all", "xlsx"), ("all", "pdf"), ("roster", "csv")):
                with django_capture_on_commit_callbacks(execute=True):  # a large one runs as a job
                    response = client.post(
                        reverse("reports:export"), {"unit": unit.pk, "table": table, "format": fmt}
                    )
                if response.status_code == 302:
                    assert number not in client.get(response.url).text
                    response = client.get(response.url + "download/")
                assert response.status_code == 200, (table, fmt)
                text = _texts(response)
                assert number not in text and PHONE not in text, (role, table, fmt)
                if role == "manager":
                    assert mask_phone(PHONE) in text, (table, fmt)
    # The walk reached her records: pages answered, and the managers saw her masked.
    assert len(urls) > 35 and sum(1 for code in seen.values() if code == 200) > 60
    person_page = reverse("reports:person", args=[person["staff"].pk])
    client.force_login(people["manager"].user)
    text = client.get(person_page).text
    assert "钱多多" in text and mask_id_number(number) in text and mask_phone(PHONE) in text
    assert seen[("other manager", person_page)] == 404

    # The administrator, whose role needs it, sees the whole number on that page.
    client.force_login(people["admin"].user)
    text = client.get(person_page).text
    assert number in text and PHONE in text
