import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from training.org.decorators import trainer_required

from .choices import AttemptStatus, ExamMode, Layout
from .models import Answer, Attempt, ExamPage
from .selectors import (
    attempts_for_user,
    counted_attempt,
    item_analysis_for_bank,
    leaderboard_people,
    leaderboard_units,
    marking_queue_for,
    open_attempt_for_user,
    paper_for_attempt,
    points_for_user,
    progress_by_area_for_user,
    question_banks_for_author,
    review_for_attempt,
    wrong_book_for,
)
from .services import (
    MARK_OUT_OF_RANGE,
    AnswerRefused,
    ExamError,
    answer_feedback,
    answer_mark,
    answer_save,
    attempt_start,
    attempt_submit,
    daily_practice_start,
    wrong_book_practice_start,
)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _responses_from_post(post, attempt: Attempt) -> dict:
    """Answers of a submitted form: q<id> holds one option, a list of options, or text."""
    answers = {}
    for entry in attempt.paper:
        key = f"q{entry['q']}"
        values = post.getlist(key)
        if not values:
            continue
        if len(values) > 1 or post.get(f"{key}_multi"):
            answers[entry["q"]] = [v for v in values if v]
        else:
            answers[entry["q"]] = values[0]
    return answers


def _paper_context(attempt: Attempt, request) -> dict:
    items = paper_for_attempt(attempt=attempt)
    layout_one = attempt.exam_id and attempt.exam.layout == Layout.ONE
    index = 0
    if layout_one:
        index = max(0, min(len(items) - 1, (_int_or_none(request.GET.get("q")) or 1) - 1))
    return {
        "attempt": attempt,
        "items": [items[index]] if layout_one else items,
        "all_items": items,
        # named before the hand-in (N 题未作答), each a link to its question
        "unanswered": [item for item in items if not item.answered],
        "layout_one": layout_one,
        "question_index": index + 1,
        "seconds_left": max(0, int((attempt.deadline - timezone.now()).total_seconds()))
        if attempt.deadline
        else None,
        "practice": (attempt.exam_id is None) or attempt.exam.mode == ExamMode.PRACTICE,
    }


def exam_page_serve(request, page: ExamPage):
    """Dispatch for an exam page: intro and start, the paper, submission and the result."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    # The module and whether it is locked (ExamPage.get_context); the lesson outline with its
    # progress (two queries more) is not on the exam's templates.
    context = page.get_context(request)
    if context["locked"]:
        # The module's prerequisite comes first; nothing here can be started or handed in.
        return TemplateResponse(request, page.get_template(request), context)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                attempt_start(user=request.user, exam=page)
                return redirect(page.url)
            if action == "submit":
                attempt = get_object_or_404(
                    Attempt, pk=_int_or_none(request.POST.get("attempt")), user=request.user, exam=page
                )
                attempt_submit(
                    attempt_id=attempt.pk,
                    user=request.user,
                    answers=_responses_from_post(request.POST, attempt),
                )
                return redirect(f"{page.url}?attempt={attempt.pk}")
        except ExamError as error:
            context["error"] = str(error)
            if isinstance(error, AnswerRefused):
                status = 422  # an answer the question cannot hold: nothing was handed in
    result_id = _int_or_none(request.GET.get("attempt"))
    if result_id:
        attempt = get_object_or_404(Attempt, pk=result_id, user=request.user, exam=page)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            context.update(attempt=attempt, items=review_for_attempt(attempt=attempt))
            return TemplateResponse(request, "exams/exam_page_result.html", context)
    attempt = open_attempt_for_user(user=request.user, exam=page)
    if attempt is not None:
        context.update(_paper_context(attempt, request))
        return TemplateResponse(request, "exams/exam_page_paper.html", context, status=status)
    context["past_attempts"] = attempts_for_user(user=request.user, exam=page).defer("paper")[:10]
    context["counted"] = counted_attempt(user=request.user, exam=page)
    # Staggered entry: the page's script waits this long after the click before it starts.
    context["entry_wait"] = page.entry_wait_seconds(request.user.pk)
    return TemplateResponse(request, page.get_template(request), context)


def _response_from_request(request):
    values = request.POST.getlist("response")
    if request.POST.get("multi"):
        return [v for v in values if v]
    return values[0] if values else None


@login_required
@require_POST
def answer_save_view(request, attempt_id: int):
    """Autosave one answer; the JSON reply is the acknowledgement that it is stored. In practice
    mode it also says whether the answer is right, with the explanation."""
    question_id = _int_or_none(request.POST.get("question"))
    if question_id is None:
        return JsonResponse({"saved": False, "error": "question"}, status=400)
    response = (
        _response_from_request(request)
        if "response" in request.POST or request.POST.get("multi")
        else request.POST.get("choice")
    )
    try:
        answer = answer_save(
            attempt_id=attempt_id, user=request.user, question_id=question_id, response=response
        )
    except Attempt.DoesNotExist:
        raise Http404 from None
    except AnswerRefused as error:
        return JsonResponse({"saved": False, "error": str(error)}, status=422)
    except ExamError as error:
        return JsonResponse({"saved": False, "error": str(error)}, status=409)
    reply = {"saved": True, "question": question_id, "saved_at": answer.saved_at.isoformat()}
    feedback = answer_feedback(attempt=answer.attempt, question_id=question_id, response=answer.response)
    if feedback is not None:
        reply["feedback"] = feedback
    return JsonResponse(reply)


# --- practice outside exam pages: wrong-answer book and daily practice -------------------------


@login_required
def practice(request, attempt_id: int):
    """A practice sitting of the wrong-answer book or the daily practice: paper, hand-in, result."""
    attempt = get_object_or_404(Attempt, pk=attempt_id, user=request.user, exam__isnull=True)
    error, status = None, 200
    if request.method == "POST" and attempt.status == AttemptStatus.IN_PROGRESS:
        try:
            attempt_submit(
                attempt_id=attempt.pk, user=request.user, answers=_responses_from_post(request.POST, attempt)
            )
            return redirect("exams:practice", attempt.pk)
        except ExamError as refused:
            error, status = str(refused), 422 if isinstance(refused, AnswerRefused) else 409
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return render(
            request,
            "exams/practice_result.html",
            {"attempt": attempt, "items": review_for_attempt(attempt=attempt)},
        )
    context = {**_paper_context(attempt, request), "error": error}
    return render(request, "exams/practice_paper.html", context, status=status)


@login_required
def wrong_book(request):
    """The learner's own wrong-answer book (错题本) and re-practice."""
    if request.method == "POST":
        try:
            attempt = wrong_book_practice_start(user=request.user)
        except ExamError as error:
            messages.error(request, str(error))
            return redirect("exams:wrong_book")
        return redirect("exams:practice", attempt.pk)
    return render(request, "exams/wrong_book.html", {"entries": wrong_book_for(user=request.user)[:100]})


@login_required
@require_POST
def daily(request):
    """Today's practice (每日一练)."""
    try:
        attempt = daily_practice_start(user=request.user)
    except ExamError as error:
        messages.error(request, str(error))
        return redirect("exams:drills")
    return redirect("exams:practice", attempt.pk)


@login_required
def drills(request):
    """练兵: daily practice, wrong-answer book, points and the rankings per head."""
    from training.org.selectors import scope_for_user, staff_for_user

    since = timezone.localdate() - datetime.timedelta(days=30)
    staff = staff_for_user(request.user)
    scope = scope_for_user(request.user)
    city_path = staff.org_unit.path[:4] if staff else ""
    context = {
        "my_points": points_for_user(user=request.user, since=since),
        "stations": leaderboard_units(level="community", since=since, root_path=city_path)[:20],
        "districts": leaderboard_units(level="district", since=since, root_path=city_path),
        "since": since,
        "today_done": Attempt.objects.filter(
            user=request.user, kind=Attempt.Kind.DAILY, day=timezone.localdate(), status=AttemptStatus.GRADED
        ).exists(),
        "wrong_count": wrong_book_for(user=request.user).count(),
    }
    if scope.is_manager and scope.managed_paths:
        # Names of people only for managers, and only within their own subtree.
        context["people"] = leaderboard_people(since=since, root_path=scope.managed_paths[0])
    return render(request, "exams/drills.html", context)


@login_required
def my_progress(request):
    """A learner's own progress per business area (分领域进度)."""
    return render(request, "exams/progress.html", {"rows": progress_by_area_for_user(user=request.user)})


# --- marking and item analysis for trainers ---------------------------------------------------


@trainer_required
def marking_queue(request):
    """Essay answers waiting for a mark in the trainer's own banks (阅卷)."""
    return render(request, "exams/marking_queue.html", {"answers": marking_queue_for(user=request.user)[:50]})


@trainer_required
def mark_answer(request, answer_id: int):
    """Mark one essay answer with points and a comment."""
    answer = get_object_or_404(
        Answer.objects.select_related("question__bank", "attempt", "version"),
        pk=answer_id,
        question__bank__in=question_banks_for_author(user=request.user),
    )
    error = None
    if request.method == "POST":
        try:
            awarded = Decimal(request.POST.get("awarded", ""))
            answer_mark(
                answer_id=answer.pk,
                marker=request.user,
                awarded=awarded,
                comment=request.POST.get("comment", ""),
            )
            return redirect(reverse("exams:marking_queue"))
        except InvalidOperation:
            error = str(MARK_OUT_OF_RANGE)
        except ExamError as exc:
            error = str(exc)
    points = Decimal(answer.version.data["points"]) if answer.version else answer.question.points
    return render(request, "exams/mark_answer.html", {"answer": answer, "error": error, "points": points})


@trainer_required
def item_analysis(request, bank_id: int):
    """Item statistics of one of the trainer's banks (试题分析)."""
    bank = get_object_or_404(question_banks_for_author(user=request.user), pk=bank_id)
    return render(
        request, "exams/item_analysis.html", {"bank": bank, "stats": item_analysis_for_bank(bank=bank)}
    )


@trainer_required
def my_banks(request):
    banks = question_banks_for_author(user=request.user).select_related("area")
    return render(request, "exams/my_banks.html", {"banks": banks})
