"""Batch jobs timed in-process, each at two input sizes, to show how they grow: wall and CPU
seconds, per item, and the growth in time against the growth in items (1.0 = linear)."""

from __future__ import annotations

import importlib
import random
import time
from decimal import Decimal

# (key, title, module, function): entries whose function does not exist yet are "not built yet".
PENDING = [
    ("province_report", "province report", "training.reports.services", "province_report"),
    ("excel_export", "Excel export", "training.reports.services", "excel_export"),
]


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


def bulk_certificates(units: list[str]) -> dict:
    from django.contrib.auth import get_user_model

    from training.competency.models import Certification
    from training.competency.selectors import valid_certifications_q
    from training.competency.services import certificates_bulk_run
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
        wall, cpu = _timed(lambda job=job: certificates_bulk_run(job_id=job.pk))
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


def batch_jobs(*, smoke: bool = False) -> dict:
    from django.db import connection

    out = {}
    for key, title, module, function in PENDING:
        try:
            found = hasattr(importlib.import_module(module), function)
        except ModuleNotFoundError:
            found = False
        out[key] = (
            {"title": title, "skipped": f"not built yet (no {module}.{function})"}
            if not found
            else {"title": title, "skipped": f"built: wire {module}.{function} into bench/batch.py"}
        )
    out["certificates"] = bulk_certificates(["dh-dhjd-01", "dh-dhjd"] if smoke else ["dh-dhjd", "dh"])
    out["grading"] = grading([2, 6] if smoke else [20, 200])
    out["grading_pure"] = grading_pure([100, 1000] if smoke else [1000, 10000])
    connection.close()
    return out
