from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from courses.selectors import lesson_context_for_user

from .choices import AttemptStatus
from .models import Attempt, ExamPage
from .selectors import attempts_for_user, open_attempt_for_user, paper_for_attempt
from .services import ExamError, answer_save, attempt_start, attempt_submit


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def exam_page_serve(request, page: ExamPage):
    """Dispatch for an exam page: intro and start, the paper, submission and the result."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = page.get_context(request)
    context.update(lesson_context_for_user(lesson=page, user=request.user))
    if context["locked"]:
        # The module's prerequisite comes first; nothing here can be started or handed in.
        return TemplateResponse(request, page.get_template(request), context)
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
                answers = {}
                for entry in attempt.paper:
                    value = request.POST.get(f"q{entry['q']}")
                    if value:
                        answers[entry["q"]] = _int_or_none(value)
                attempt_submit(attempt_id=attempt.pk, user=request.user, answers=answers)
                return redirect(f"{page.url}?attempt={attempt.pk}")
        except ExamError as error:
            context["error"] = str(error)
    result_id = _int_or_none(request.GET.get("attempt"))
    if result_id:
        attempt = get_object_or_404(Attempt, pk=result_id, user=request.user, exam=page)
        if attempt.status == AttemptStatus.SUBMITTED:
            context.update(attempt=attempt, items=paper_for_attempt(attempt=attempt))
            return TemplateResponse(request, "exams/exam_page_result.html", context)
    attempt = open_attempt_for_user(user=request.user, exam=page)
    if attempt is not None:
        context.update(attempt=attempt, items=paper_for_attempt(attempt=attempt))
        return TemplateResponse(request, "exams/exam_page_paper.html", context)
    context["past_attempts"] = attempts_for_user(user=request.user, exam=page)[:10]
    return TemplateResponse(request, page.get_template(request), context)


@login_required
@require_POST
def answer_save_view(request, attempt_id: int):
    """Autosave one answer; the JSON reply is the acknowledgement that it is stored."""
    question_id = _int_or_none(request.POST.get("question"))
    choice_id = _int_or_none(request.POST.get("choice"))
    if question_id is None:
        return JsonResponse({"saved": False, "error": "question"}, status=400)
    try:
        answer = answer_save(
            attempt_id=attempt_id, user=request.user, question_id=question_id, choice_id=choice_id
        )
    except Attempt.DoesNotExist:
        raise Http404 from None
    except ExamError as error:
        return JsonResponse({"saved": False, "error": str(error)}, status=409)
    return JsonResponse({"saved": True, "question": question_id, "saved_at": answer.saved_at.isoformat()})
