"""Views of training plans: thin — scope, a form or a selector, a service, a template."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from training.org.models import OrgUnit, Staff
from training.org.selectors import org_unit_list_for_scope, scope_for_user

from .forms import PlanForm
from .models import Assignment, ExtensionRequest, GapProposal
from .selectors import (
    extension_requests_for_scope,
    gap_candidates,
    gap_proposals_for_scope,
    plan_people,
    plan_progress,
    plans_for_scope,
    tasks_for_user,
)
from .services import (
    PlanError,
    extension_decide,
    extension_request,
    gap_confirm,
    gap_dismiss,
    plan_create,
    progress_refresh_for_user,
)


def _manager_scope(request):
    scope = scope_for_user(request.user)
    if not scope.is_manager:
        raise PermissionDenied
    return scope


@login_required
def my_tasks(request):
    """My tasks (我的任务), most urgent first, with the extension request form."""
    if request.method == "POST":
        assignment = get_object_or_404(
            Assignment.objects.select_related("round__plan", "staff"),
            pk=request.POST.get("assignment") or 0,
            staff__user=request.user,
        )
        try:
            new_due = datetime.date.fromisoformat(request.POST.get("due_on", ""))
        except ValueError:
            messages.error(request, _("Enter the new due date."))
        else:
            try:
                extension_request(
                    user=request.user,
                    assignment=assignment,
                    new_due_on=new_due,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Extension request sent; it awaits a manager's approval."))
            except PlanError as exc:
                messages.error(request, str(exc))
        return redirect("plans:my_tasks")
    # Count what was learned since the last visit, so the page never lags behind the learner.
    progress_refresh_for_user(user_id=request.user.pk)
    return render(request, "plans/my_tasks.html", {"tasks": tasks_for_user(user=request.user)})


@login_required
def plan_list(request):
    scope = _manager_scope(request)
    page = Paginator(plans_for_scope(scope=scope), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/plan_list.html",
        {
            "page": page,
            "extensions": extension_requests_for_scope(scope=scope).count(),
            "gaps": gap_proposals_for_scope(scope=scope).count(),
        },
    )


@login_required
def plan_new(request):
    scope = _manager_scope(request)
    units = org_unit_list_for_scope(scope=scope).order_by("path")
    form = PlanForm(
        request.POST or None,
        units=units,
        initial={"starts_on": timezone.localdate(), "recurrence": "once", "audience_mode": "rules"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create(actor=request.user, **form.service_arguments())
        except PlanError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Training plan created; the tasks are being assigned in the background.")
            )
            return redirect("plans:plan_detail", plan.pk)
    return render(request, "plans/plan_form.html", {"form": form})


@login_required
def plan_detail(request, pk: int):
    """A plan's progress for a unit of it and each unit below, with the people behind each number."""
    scope = _manager_scope(request)
    plan = get_object_or_404(plans_for_scope(scope=scope), pk=pk)
    unit = plan.root
    if request.GET.get("unit"):
        try:
            unit = OrgUnit.objects.get(pk=int(request.GET["unit"]), path__startswith=plan.root.path)
        except (ValueError, OrgUnit.DoesNotExist):
            raise Http404 from None
    if not scope.covers_path(unit.path):
        raise Http404
    status = request.GET.get("status", "")
    people = None
    if status in ("assigned", "completed", "overdue", "open"):
        people = Paginator(plan_people(plan=plan, unit=unit, status=status), 50).get_page(
            request.GET.get("page")
        )
    context = {
        "plan": plan,
        "unit": unit,
        "ancestors": [a for a in unit.get_ancestors() if a.path.startswith(plan.root.path)],
        "progress": plan_progress(plan=plan, unit=unit),
        "items": plan.items.select_related("page"),
        "status": status,
        "people": people,
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
def extensions(request):
    """Pending extension requests of the manager's subtree (延期审批)."""
    scope = _manager_scope(request)
    if request.method == "POST":
        ext = get_object_or_404(
            extension_requests_for_scope(scope=scope), pk=request.POST.get("request") or 0
        )
        try:
            extension_decide(
                actor=request.user,
                request=ext,
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Extension request decided."))
        except PlanError as exc:
            messages.error(request, str(exc))
        return redirect("plans:extensions")
    rows = Paginator(extension_requests_for_scope(scope=scope).order_by("created_at"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "plans/extensions.html", {"page": rows, "pending": ExtensionRequest.Status.PENDING}
    )


@login_required
def gaps(request):
    """Coverage gaps with a proposed person each (补缺建议): confirm, pick another, or dismiss."""
    scope = _manager_scope(request)
    if request.method == "POST":
        proposal = get_object_or_404(
            gap_proposals_for_scope(scope=scope), pk=request.POST.get("proposal") or 0
        )
        try:
            if request.POST.get("action") == "dismiss":
                gap_dismiss(actor=request.user, proposal=proposal)
                messages.success(request, _("Proposal dismissed."))
            else:
                staff = None
                if request.POST.get("staff"):
                    staff = get_object_or_404(
                        Staff, pk=request.POST["staff"], org_unit_id=proposal.org_unit_id
                    )
                plan = gap_confirm(actor=request.user, proposal=proposal, staff=staff)
                messages.success(request, _("Assigned: %(plan)s") % {"plan": plan.title})
        except PlanError as exc:
            messages.error(request, str(exc))
        return redirect("plans:gaps")
    page = Paginator(gap_proposals_for_scope(scope=scope), 20).get_page(request.GET.get("page"))
    for proposal in page.object_list:
        proposal.choices = gap_candidates(unit_id=proposal.org_unit_id, area_id=proposal.area_id)[:10]
    return render(request, "plans/gaps.html", {"page": page, "status_open": GapProposal.Status.OPEN})
