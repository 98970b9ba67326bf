"""Bulk generator behind ``manage.py seed_scale``: the demo city grown to benchmark sizes.

``seed_demo`` builds the city through services, one row at a time, which is right for ~370 staff
and far too slow for 50 000. This module adds districts, streets and communities, staff with
logins, certifications, graded exam attempts with their answers and lesson progress with
``bulk_create``, on top of what ``seed_demo`` made (its org tree conventions, the business-area
catalogue, its modules, exams and question banks). A fixed seed makes every size the same on every
machine; a second run with the same target finds the staff in place and adds nothing.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from courses.models import LessonPage, LessonProgress, ModulePage
from exams.choices import AttemptStatus
from exams.models import Answer, Attempt, ExamPage, Question
from exams.services import question_versions_current
from training.competency.dates import add_years
from training.competency.models import Certification, CertificationEvent, CertificationSource
from training.competency.services import _certificate_number, certifications_expire, rule_terms
from training.org.choices import Employment, Level, Role, UnitLevel
from training.org.models import BusinessArea, OrgUnit, RoleAssignment, Staff

from . import names
from .generators import CORE_COMMUNITY_AREAS, EXTRA_COMMUNITY_AREAS, SEED

# Total staff for each named size (Moodle-style XS…L); XS is the demo city as seed_demo left it.
SIZES = {"xs": 0, "s": 5_000, "m": 20_000, "l": 50_000}
SCALE_PREFIX = "zz"  # unit codes sort after the demo city's, so treebeard's code order holds
STREETS_PER_DISTRICT = 10
COMMUNITIES_PER_STREET = 8
BATCH = 5_000


def _name(rng: random.Random) -> str:
    given = rng.choice(names.GIVEN_CHARS)
    if rng.random() < 0.6:
        given += rng.choice(names.GIVEN_CHARS)
    return rng.choice(names.SURNAMES) + given


def _staff_count(level: str, is_rural: bool, rng: random.Random) -> int:
    """A scaled-up station: ~18 staff per community, ~11 per street, 5 per district (≈ 3 000 units
    for 50 000 staff)."""
    if level == UnitLevel.DISTRICT:
        return 5
    if level == UnitLevel.STREET:
        return rng.randint(9, 13)
    return rng.randint(12, 20) if is_rural else rng.randint(14, 22)


def _new_units(city: OrgUnit, to_add: int, rng: random.Random) -> list[tuple[OrgUnit, int]]:
    """Districts (each 10 streets × 8 communities) under the city until ``to_add`` staff have a
    place; returns the unsaved units with their head counts, paths computed as treebeard would."""
    start = OrgUnit.objects.filter(depth=city.depth + 1, code__startswith=SCALE_PREFIX).count()
    step = city.numchild
    planned, seats, d = [], 0, start
    while seats < to_add:
        d += 1
        step += 1
        rural = rng.random() < 0.4
        d_path = OrgUnit._get_path(city.path, city.depth + 1, step)
        district = OrgUnit(
            name=f"第{d}区县",
            code=f"{SCALE_PREFIX}{d:03d}",
            level=UnitLevel.DISTRICT,
            is_rural=rural,
            population=rng.randint(200_000, 600_000),
            path=d_path,
            depth=city.depth + 1,
            numchild=STREETS_PER_DISTRICT,
        )
        planned.append((district, _staff_count(UnitLevel.DISTRICT, rural, rng)))
        for s in range(1, STREETS_PER_DISTRICT + 1):
            street = OrgUnit(
                name=f"第{d}区县{s}号{'镇' if rural else '街道'}",
                code=f"{district.code}-{s:02d}",
                level=UnitLevel.STREET,
                is_rural=rural,
                population=rng.randint(30_000, 90_000),
                path=OrgUnit._get_path(d_path, city.depth + 2, s),
                depth=city.depth + 2,
                numchild=COMMUNITIES_PER_STREET,
            )
            planned.append((street, _staff_count(UnitLevel.STREET, rural, rng)))
            for c in range(1, COMMUNITIES_PER_STREET + 1):
                community = OrgUnit(
                    name=f"{street.name}{c}号{'村' if rural else '社区'}",
                    code=f"{street.code}-{c:02d}",
                    level=UnitLevel.COMMUNITY,
                    is_rural=rural,
                    population=rng.randint(5_000, 30_000),
                    path=OrgUnit._get_path(street.path, city.depth + 3, c),
                    depth=city.depth + 3,
                    numchild=0,
                )
                planned.append((community, _staff_count(UnitLevel.COMMUNITY, rural, rng)))
        seats = sum(n for _, n in planned)
    return planned


def _reset_sequences(*models) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


@transaction.atomic
def seed_org_and_staff(*, staff: int, rng: random.Random, password_hash: str) -> str:
    """Units and staff with logins (each a learner) until the city has ``staff`` people."""
    to_add = staff - Staff.objects.count()
    if to_add <= 0:
        return f"staff: {Staff.objects.count()} already, nothing to add"
    city = OrgUnit.objects.get(code=names.CITY[1])
    areas = {a.code: a for a in BusinessArea.objects.all()}
    all_areas = list(areas.values())
    planned = _new_units(city, to_add, rng)
    units = OrgUnit.objects.bulk_create([u for u, _ in planned], batch_size=BATCH)
    OrgUnit.objects.filter(pk=city.pk).update(
        numchild=OrgUnit.objects.filter(depth=city.depth + 1, path__startswith=city.path).count()
    )
    through = OrgUnit.areas.through
    links = []
    for unit in units:
        offered = (
            all_areas
            if unit.level != UnitLevel.COMMUNITY
            else [areas[c] for c in CORE_COMMUNITY_AREAS + rng.sample(EXTRA_COMMUNITY_AREAS, 2)]
        )
        links += [through(orgunit_id=unit.pk, businessarea_id=a.pk) for a in offered]
    through.objects.bulk_create(links, batch_size=BATCH)

    user_model = get_user_model()
    serial = user_model.objects.filter(username__startswith="scale").count()
    now = timezone.now()
    today = timezone.localdate()
    people = []  # (user, staff) unsaved
    for unit, head_count in zip(units, (n for _, n in planned), strict=True):
        share_full = 0.35 if unit.is_rural else 0.7
        for _ in range(head_count):
            if len(people) == to_add:
                break
            serial += 1
            name = _name(rng)
            user = user_model(
                username=f"scale{serial:06d}", first_name=name, password=password_hash, date_joined=now
            )
            person = Staff(
                name=name,
                org_unit_id=unit.pk,
                post=rng.choice(names.POSTS_COMMUNITY)
                if unit.level == UnitLevel.COMMUNITY
                else rng.choice(names.POSTS_STREET),
                employment=Employment.FULL_TIME if rng.random() < share_full else Employment.PART_TIME,
                speciality=rng.choice(all_areas),
                hire_date=today - datetime.timedelta(days=rng.randint(120, 15 * 365)),
            )
            people.append((user, person))
    users = user_model.objects.bulk_create([u for u, _ in people], batch_size=BATCH)
    for user, (_, person) in zip(users, people, strict=True):
        person.user_id = user.pk
    Staff.objects.bulk_create([p for _, p in people], batch_size=BATCH)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=u.pk, role=Role.LEARNER) for u in users], batch_size=BATCH
    )
    return f"org and staff: {len(units)} new units, {len(people)} new staff with logins"


@transaction.atomic
def seed_certifications(*, rng: random.Random) -> str:
    """The same spread as the demo city (most hold their speciality, many more areas, some
    advanced), for every scale staff member without one; then the nightly job sets statuses."""
    today = timezone.localdate()
    areas = list(BusinessArea.objects.order_by("sort_order"))
    by_id = {a.pk: a for a in areas}
    terms = {(a.pk, lv): rule_terms(area_id=a.pk, level=lv)[0] for a in areas for lv in Level.values}
    holders = set(Certification.objects.values_list("staff_id", flat=True).distinct())
    next_id = (Certification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    certs = []
    for staff_id, speciality_id in (
        Staff.objects.filter(user__username__startswith="scale")
        .exclude(pk__in=holders)
        .order_by("pk")
        .values_list("pk", "speciality_id")
    ):
        if rng.random() < 0.12:
            continue
        draw = rng.random()
        level = Level.ADVANCED if draw < 0.25 else (Level.INTERMEDIATE if draw < 0.6 else Level.BASIC)
        first = by_id.get(speciality_id, areas[0])
        chosen = [(first, level)] + [
            (a, Level.BASIC if rng.random() < 0.7 else Level.INTERMEDIATE)
            for a in rng.sample([a for a in areas if a != first], rng.randint(0, 4))
        ]
        for area, cert_level in chosen:
            issued = today - datetime.timedelta(days=rng.randint(10, 4 * 365))
            cert = Certification(
                pk=next_id,
                staff_id=staff_id,
                area_id=area.pk,
                level=cert_level,
                issued_on=issued,
                expires_on=add_years(issued, terms[(area.pk, cert_level)]),
                source=CertificationSource.RULE,
                verify_token=f"{rng.getrandbits(128):032x}",
            )
            cert.number = _certificate_number(cert, area)
            certs.append(cert)
            next_id += 1
    Certification.objects.bulk_create(certs, batch_size=BATCH)
    CertificationEvent.objects.bulk_create(
        [
            CertificationEvent(certification_id=c.pk, type=CertificationEvent.Type.ISSUED, reason="scale")
            for c in certs
        ],
        batch_size=BATCH,
    )
    _reset_sequences(Certification)
    expired = certifications_expire(today=today)
    return f"certifications: {len(certs)} new ({expired} expired by the nightly job)"


@transaction.atomic
def seed_attempts(*, rng: random.Random) -> str:
    """Two in five scale staff sat the basic exam of their speciality once: a graded attempt of
    ten answers, and the lessons of that module completed; the rest have not started."""
    exams = {}
    for exam in ExamPage.objects.live().select_related("bank"):
        module = ModulePage.objects.filter(pk=exam.get_parent().pk).first()
        if module is not None and module.level == Level.BASIC:
            exams[module.area_id] = (exam, module)
    if not exams:
        return "attempts: no basic exams (run seed_demo first)"
    questions, right, lessons = {}, {}, {}
    for area_id, (exam, module) in exams.items():
        ids = list(Question.objects.filter(bank_id=exam.bank_id).values_list("pk", flat=True))
        versions = question_versions_current(question_ids=ids)
        questions[area_id] = [(q, versions[q]) for q in ids if q in versions]
        for q, version in questions[area_id]:
            right[q] = next((o["id"] for o in version.data["options"] if o["correct"]), None)
        lessons[area_id] = list(LessonPage.objects.live().child_of(module).values_list("pk", flat=True)) + [
            exam.pk
        ]
    now = timezone.now()
    attempts, plans = [], []
    sitters = (
        Staff.objects.filter(user__username__startswith="scale", user__attempts__isnull=True)
        .order_by("pk")
        .values_list("user_id", "speciality_id")
    )
    for user_id, area_id in sitters:
        if rng.random() >= 0.4 or area_id not in exams:
            continue
        exam, module = exams[area_id]
        drawn = rng.sample(questions[area_id], min(exam.question_count, len(questions[area_id])))
        paper, given = [], []
        for q, version in drawn:
            options = [o["id"] for o in version.data["options"]]
            rng.shuffle(options)
            paper.append({"q": q, "v": version.pk, "c": options, "t": version.data["qtype"]})
            choice = right[q] if rng.random() < 0.75 else rng.choice(options)
            given.append((q, version.pk, choice, choice == right[q]))
        correct = sum(1 for g in given if g[3])
        score = round(100 * correct / len(given), 2)
        when = now - datetime.timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 600))
        attempts.append(
            Attempt(
                user_id=user_id,
                exam_id=exam.pk,
                status=AttemptStatus.GRADED,
                paper=paper,
                submitted_at=when,
                points=correct,
                possible=len(given),
                score=score,
                passed=score >= exam.pass_mark,
            )
        )
        plans.append((user_id, area_id, module.pk, given, when))
    attempts = Attempt.objects.bulk_create(attempts, batch_size=BATCH)
    answers, progress = [], []
    for attempt, (user_id, area_id, module_id, given, when) in zip(attempts, plans, strict=True):
        answers += [
            Answer(
                attempt_id=attempt.pk,
                question_id=q,
                version_id=v,
                response=choice,
                awarded=1 if ok else 0,
                is_correct=ok,
                saved_at=when,
            )
            for q, v, choice, ok in given
        ]
        if attempt.passed:
            progress += [
                LessonProgress(user_id=user_id, page_id=page_id, module_id=module_id, completed_at=when)
                for page_id in lessons[area_id]
            ]
    Answer.objects.bulk_create(answers, batch_size=BATCH)
    LessonProgress.objects.bulk_create(progress, batch_size=BATCH, ignore_conflicts=True)
    return f"attempts: {len(attempts)} graded with {len(answers)} answers, {len(progress)} lessons completed"


def seed_scale(*, staff: int, seed: int = SEED, password: str = "") -> Iterator[str]:
    """Grow the demo city to ``staff`` people. Each step draws from its own stream, so a change in
    one leaves the others alone; the password (one hash shared by every scale login) lets the
    benchmark log in as any of them."""
    if not OrgUnit.objects.filter(code=names.CITY[1]).exists():
        raise RuntimeError("seed_scale builds on the demo city: run seed_demo first")
    password_hash = make_password(password, salt="scale") if password else make_password(None)
    steps = (
        lambda: seed_org_and_staff(staff=staff, rng=random.Random(seed + 100), password_hash=password_hash),
        lambda: seed_certifications(rng=random.Random(seed + 101)),
        lambda: seed_attempts(rng=random.Random(seed + 102)),
    )
    for step in steps:
        started = time.monotonic()
        line = step()
        yield f"{line} [{time.monotonic() - started:.1f} s]"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
