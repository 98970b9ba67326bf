"""Batch jobs timed in-process, each at two input sizes, to show how they grow: wall and CPU
seconds, per item, and the growth in time against the growth in items (1.0 = linear)."""

from __future__ import annotations

import random
import time
from decimal import Decimal


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _two(key: str, title: str, runs: list[tuple[int, float, float]], unit: str) -> dict:
    (n1, w1, c1), (n2, w2, c2) = runs
    return {
        "title": title,
        "unit": unit,
        "sizes": [
            {
                "items": n1,
                "seconds": round(w1, 3),
                "cpu_seconds": round(c1, 3),
                "ms_per_item": round(1000 * w1 / max(n1, 1), 3),
            },
            {
                "items": n2,
                "seconds": round(w2, 3),
                "cpu_seconds": round(c2, 3),
                "ms_per_item": round(1000 * w2 / max(n2, 1), 3),
            },
        ],
        # time grew by this much more (or less) than the number of items did
        "growth_vs_linear": round((w2 / w1) / (n2 / n1), 2) if w1 and n1 and n2 else None,
    }


def _units_and_staff(codes: list[str]):
    from training.org.models import OrgUnit, Staff

    for code in codes:
        unit = OrgUnit.objects.get(code=code)
        yield unit, Staff.objects.filter(org_unit__path__startswith=unit.path, is_active=True).count()


def province_report_runs(units: list[str]) -> dict:
    """The dashboard's figures computed afresh (no cache) for a district and for the whole city:
    the same nine queries at both sizes, so the time should grow less than the staff do."""
    from training.org.selectors import competency_settings
    from training.reports.selectors import province_report, report_settings

    settings, weights = competency_settings(), report_settings().weights()
    runs = []
    for unit, n in _units_and_staff(units):
        wall, cpu = _timed(lambda unit=unit: province_report(unit=unit, settings=settings, weights=weights))
        runs.append((n, wall, cpu))
    return _two("province_report", f"province report, uncached (units {' / '.join(units)})", runs, "staff")


def excel_export_runs(units: list[str]) -> dict:
    """The roster workbook (台账: every person × every business area) of a district and of the
    whole city, as the background export job builds it."""
    from django.contrib.auth import get_user_model

    from training.reports.services import excel_export

    manager = get_user_model().objects.get(username="bench_manager")
    runs = []
    for unit, n in _units_and_staff(units):
        out = {}
        wall, cpu = _timed(lambda unit=unit, out=out: out.update(f=excel_export(unit=unit, user=manager)))
        if out["f"].rows != n:
            raise RuntimeError(f"the export of {unit.code} has {out['f'].rows} rows for {n} staff")
        runs.append((n, wall, cpu))
    return _two("excel_export", f"Excel roster export (units {' / '.join(units)})", runs, "staff row")


def bulk_certificates(units: list[str]) -> dict:
    from django.contrib.auth import get_user_model

    from training.competency.models import Certification
    from training.competency.selectors import valid_certifications_q
    from training.competency.tasks import certificates_bulk_task
    from training.org.models import Job, OrgUnit

    manager = get_user_model().objects.get(username="bench_manager")
    runs = []
    for code in units:
        unit = OrgUnit.objects.get(code=code)
        n = Certification.objects.filter(
            valid_certifications_q(), staff__org_unit__path__startswith=unit.path
        ).count()
        job = Job.objects.create(
            kind="certificates", user=manager, params={"unit_id": unit.pk, "verify_base": "http://127.0.0.1"}
        )
        # The task's body as the worker runs it (claim, render, finish), in this process.
        wall, cpu = _timed(lambda job=job: certificates_bulk_task.apply(kwargs={"job_id": job.pk}).get())
        runs.append((n, wall, cpu))
    return _two("certificates", f"bulk certificates (units {' / '.join(units)})", runs, "certificate")


def grading(sizes: list[int]) -> dict:
    """attempt_submit (hand in and grade: versions, answers, scores, wrong-answer book, points,
    lesson completion) over attempts of ten answered questions."""
    from django.contrib.auth import get_user_model

    from courses.models import ModulePage
    from exams.choices import AttemptStatus
    from exams.models import Attempt, ExamPage
    from exams.services import answer_save, attempt_start, attempt_submit

    module = ModulePage.objects.get(slug="module-pension-basic")
    exam = ExamPage.objects.live().child_of(module).first()
    users = list(
        get_user_model()
        .objects.filter(staff__isnull=False)
        .exclude(username__startswith="demo_")
        .order_by("-pk")[: sum(sizes)]
    )
    rng = random.Random(5)
    runs, offset = [], 0
    for n in sizes:
        attempts = []
        for user in users[offset : offset + n]:
            Attempt.objects.filter(user=user, exam=exam, status=AttemptStatus.IN_PROGRESS).update(
                status=AttemptStatus.SUBMITTED
            )
            attempt = attempt_start(user=user, exam=exam, seed=user.pk)
            for entry in attempt.paper:
                answer_save(
                    attempt_id=attempt.pk, user=user, question_id=entry["q"], response=rng.choice(entry["c"])
                )
            attempts.append((attempt.pk, user))
        offset += n

        def submit_all(attempts=attempts):
            for attempt_id, user in attempts:
                attempt_submit(attempt_id=attempt_id, user=user)

        wall, cpu = _timed(submit_all)
        runs.append((len(attempts), wall, cpu))
    return _two("grading", "grading: hand in and grade (attempt_submit)", runs, "attempt")


def grading_pure(sizes: list[int]) -> dict:
    """The pure scorer (exams/grading.py) over papers of ten single-choice questions."""
    from exams import grading as g

    question = g.QuestionData(
        qtype=g.SINGLE,
        points=Decimal(1),
        options=tuple(g.OptionData(id=i, text=str(i), correct=i == 2, weight=None) for i in range(4)),
        answers=(),
        partial_credit=False,
        negative_marking=False,
    )
    runs = []
    for n in sizes:

        def score(n=n):
            for p in range(n):
                scores = [g.score_answer(question, (p + k) % 4) for k in range(10)]
                g.score_paper(scores=scores, possible=Decimal(10), pass_mark=60)

        wall, cpu = _timed(score)
        runs.append((n, wall, cpu))
    return _two("grading_pure", "grading: pure scorer only", runs, "paper")


def _city_code() -> str:
    """The root of the whole data set (the demo city, with the scale districts below it)."""
    from training.org.models import OrgUnit

    return OrgUnit.get_root_nodes().first().code


def batch_jobs(*, smoke: bool = False) -> dict:
    from django.db import connection

    out = {}
    # a street and its district on the smoke run; a district and the whole city otherwise
    units = ["dh-dhjd", "dh"] if smoke else ["dh", _city_code()]
    out["province_report"] = province_report_runs(units)
    out["excel_export"] = excel_export_runs(units)
    out["certificates"] = bulk_certificates(["dh-dhjd-01", "dh-dhjd"] if smoke else ["dh-dhjd", "dh"])
    out["grading"] = grading([2, 6] if smoke else [20, 200])
    out["grading_pure"] = grading_pure([100, 1000] if smoke else [1000, 10000])
    connection.close()
    return out
