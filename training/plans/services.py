"""Writes of training plans: creating plans, assigning rounds, progress, extensions, gaps and the
reminders that chase them (督办). Every function that depends on the date takes ``today``/``now``."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict

from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from courses.models import ModulePage
from training.competency.models import Certification, CertificationStatus
from training.jobs.services import job_create, job_finish, job_progress
from training.notify.services import notify, notify_unit
from training.org.audit import audit_record
from training.org.choices import Employment
from training.org.models import Job, OrgUnit, Staff
from training.org.selectors import competency_settings, scope_for_user

from .models import (
    MONTHS_PER_ROUND,
    Assignment,
    ExtensionRequest,
    GapProposal,
    PlanItem,
    PlanRound,
    Recurrence,
    TrainingPlan,
)
from .selectors import (
    audience_for_plan,
    coverage_gaps,
    gap_candidates,
    item_specs,
    items_done_by_user,
    managers_of_unit,
    plan_settings,
)

# Someone who joins a fixed-date plan after its due date still gets this many days.
LATE_JOINER_DAYS = 14


class PlanError(Exception):
    """A plan rule refused the request; the message is shown to the user, in the language of the
    request that broke the rule."""


def _stored_language():
    """Texts stored for someone else to read later (notifications, robot messages, gap reasons,
    the gap plan's title) are written in the site's default language (zh-hans), whether they are
    built in a worker or in the request of someone who switched the interface to English."""
    return translation.override(django_settings.LANGUAGE_CODE)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def current_round_start(plan: TrainingPlan, today: datetime.date) -> tuple[int, datetime.date] | None:
    """(number, start) of the round running today; None before the plan starts."""
    if today < plan.starts_on:
        return None
    months = MONTHS_PER_ROUND.get(plan.recurrence)
    if months is None:
        return 1, plan.starts_on
    number = 1
    while add_months(plan.starts_on, number * months) <= today:
        number += 1
    return number, add_months(plan.starts_on, (number - 1) * months)


def due_for(plan: TrainingPlan, assigned_on: datetime.date) -> datetime.date:
    """A fixed date for a one-off plan (a late joiner past it gets LATE_JOINER_DAYS); otherwise N
    days after assignment."""
    if plan.recurrence == Recurrence.ONCE and plan.due_on:
        if plan.due_on >= assigned_on:
            return plan.due_on
        return assigned_on + datetime.timedelta(days=LATE_JOINER_DAYS)
    return assigned_on + datetime.timedelta(days=plan.due_days or LATE_JOINER_DAYS)


def _check_scope(actor, unit: OrgUnit) -> None:
    if not scope_for_user(actor).covers_path(unit.path):
        raise PlanError(_("This unit is outside your scope."))


@transaction.atomic
def plan_create(*, actor, root: OrgUnit, title: str, pages: list, **fields) -> TrainingPlan:
    """Create a plan (制定培训计划) for a unit of the actor's subtree; the assignments are made in
    the background right after commit."""
    _check_scope(actor, root)
    title = (title or "").strip()
    if not title:
        raise PlanError(_("Enter a plan title."))
    if not pages:
        raise PlanError(_("Choose at least one thing to learn (a module, an exam or a live session)."))
    recurrence = fields.get("recurrence", Recurrence.ONCE)
    if recurrence != Recurrence.ONCE and not fields.get("due_days"):
        raise PlanError(
            _(
                "Each round of a recurring plan must be finished within some days of assignment: "
                "fill in “due N days after assignment”."
            )
        )
    if not fields.get("due_on") and not fields.get("due_days"):
        raise PlanError(_("Enter a due date, or “due N days after assignment”."))
    if fields.get("lacking_level") and not fields.get("lacking_area"):
        raise PlanError(_("Choose both a business area and a level."))
    people = fields.pop("people", None) or []
    for person in people:
        if not person.org_unit.path.startswith(root.path):
            raise PlanError(_("%(name)s is not inside the chosen unit.") % {"name": person.name})
    plan = TrainingPlan.objects.create(owner=actor, root=root, title=title, **fields)
    if people:
        plan.people.set(people)
    PlanItem.objects.bulk_create(PlanItem(plan=plan, page=page, sort_order=i) for i, page in enumerate(pages))
    audit_record(
        actor=actor,
        action="plan.create",
        target=f"{plan.pk} {plan.title}",
        details={"root": root.name, "items": [p.title for p in pages], "recurrence": recurrence},
    )
    from .tasks import plan_assign_task

    # A job row, not only a message: a worker lost in the middle of the assignments leaves the job
    # running, and it is found and run again (training/jobs/services.py).
    job_create(kind=ASSIGN_JOB_KIND, user=actor, task=plan_assign_task, params={"plan_id": plan.pk})
    return plan


ASSIGN_JOB_KIND = "plan_assign"
ASSIGN_CHUNK = 200


def plan_assign_run(*, job: Job) -> dict:
    """The assignments of a new plan (分派), as a claimed job: ``plan_sync`` with its progress on
    the job's row. Run twice, it assigns and notifies each person once."""
    plan = TrainingPlan.objects.select_related("root").filter(pk=job.params["plan_id"]).first()
    result = (
        plan_sync(plan=plan, progress=lambda done, total: job_progress(job, done=done, total=total))
        if plan
        else {}
    )
    job_finish(job, done=job.total, params={**job.params, "result": result})
    return result


def plan_sync(*, plan: TrainingPlan, today: datetime.date | None = None, progress=None) -> dict:
    """Bring a plan up to date (分派): open the round that runs today, assign everyone in the
    audience who has no assignment in it (newcomers and transfers too), mark those who left, and
    refresh progress. Safe to run any number of times, and to cut short: people are assigned in
    chunks, each committed with its notifications, so a run stopped half-way leaves whole chunks
    and the next run assigns and notifies the rest. ``progress(done, total)`` follows the chunks."""
    today = today or timezone.localdate()
    result = {"assigned": 0, "left": 0, "completed": 0}
    if not plan.is_active:
        return result
    running = current_round_start(plan, today)
    if running is None:
        return result
    number, starts_on = running
    rnd, _ = PlanRound.objects.get_or_create(plan=plan, number=number, defaults={"starts_on": starts_on})
    audience = set(audience_for_plan(plan=plan, today=today).values_list("pk", flat=True))
    existing = dict(Assignment.objects.filter(round=rnd).values_list("staff_id", "left_on"))
    total = plan.items.count()
    new_ids = sorted(audience - set(existing))
    due = due_for(plan, today)
    if progress:
        progress(0, len(new_ids))
    for start in range(0, len(new_ids), ASSIGN_CHUNK):
        part = new_ids[start : start + ASSIGN_CHUNK]
        with transaction.atomic():
            created = Assignment.objects.bulk_create(
                [
                    Assignment(round=rnd, staff_id=sid, assigned_on=today, due_on=due, items_total=total)
                    for sid in part
                ],
                ignore_conflicts=True,
            )
            _notify_assigned(plan=plan, rnd=rnd, staff_ids=part)
        result["assigned"] += len(created)
        if progress:
            progress(start + len(part), len(new_ids))
    gone = [sid for sid, left_on in existing.items() if left_on is None and sid not in audience]
    result["left"] = Assignment.objects.filter(
        round=rnd, staff_id__in=gone, completed_on__isnull=True
    ).update(left_on=today)
    back = [sid for sid, left_on in existing.items() if left_on is not None and sid in audience]
    Assignment.objects.filter(round=rnd, staff_id__in=back).update(left_on=None)
    result["completed"] = round_progress_refresh(rnd=rnd, today=today)
    return result


def _notify_assigned(*, plan: TrainingPlan, rnd: PlanRound, staff_ids: list[int]) -> None:
    """Tell each person of their new task (新的培训任务). A task whose due date has already passed
    on the day it reaches them (a back-dated round) says so plainly, and how to ask for more time
    (申请延期), instead of asking them to finish by a day gone."""
    url = reverse("plans:my_tasks")
    today = timezone.localdate()
    for assignment in Assignment.objects.filter(round=rnd, staff_id__in=staff_ids).select_related(
        "staff__user"
    ):
        due = {"date": f"{assignment.due_on:%Y-%m-%d}"}
        with _stored_language():
            if assignment.due_on < today:
                title = _("New training task, already overdue: %(plan)s") % {"plan": plan.title}
                body = (
                    _(
                        "Its due date, %(date)s, had passed before the task reached you, so it is overdue "
                        "from the start. Open My tasks and choose “Ask for more time” to propose a new "
                        "due date, with a reason; your manager approves it."
                    )
                    % due
                )
            else:
                title = _("New training task: %(plan)s") % {"plan": plan.title}
                body = _("Please finish it by %(date)s.") % due
        notify(
            assignment.staff.user,
            kind="task_assigned",
            title=title,
            body=body,
            url=url,
            dedupe_key=f"task:{assignment.pk}:assigned",
        )


def round_progress_refresh(*, rnd: PlanRound, today: datetime.date | None = None, user_ids=None) -> int:
    """Recount done items of a round's open assignments (optionally only some people's); returns
    how many were completed now. A fixed number of queries plus one write per changed row."""
    today = today or timezone.localdate()
    qs = Assignment.objects.filter(round=rnd, completed_on__isnull=True).select_related("staff")
    if user_ids is not None:
        qs = qs.filter(staff__user_id__in=user_ids)
    rows = list(qs)
    if not rows:
        return 0
    specs = item_specs(plan_id=rnd.plan_id)
    done = items_done_by_user(specs=specs, user_ids=[a.staff.user_id for a in rows], since=rnd.starts_on)
    completed = 0
    for a in rows:
        n = done.get(a.staff.user_id, 0)
        finished = bool(specs) and n >= len(specs)
        if n != a.items_done or finished or a.items_total != len(specs):
            a.items_done, a.items_total = n, len(specs)
            fields = ["items_done", "items_total"]
            if finished:
                a.completed_on = today
                fields.append("completed_on")
                completed += 1
            a.save(update_fields=fields)
    return completed


def progress_refresh_for_user(*, user_id: int, today: datetime.date | None = None) -> int:
    """After someone learned something: recount their open assignments."""
    rounds = PlanRound.objects.filter(
        assignments__staff__user_id=user_id, assignments__completed_on__isnull=True
    ).distinct()
    return sum(round_progress_refresh(rnd=r, today=today, user_ids=[user_id]) for r in rounds)


def plans_sync_all(*, today: datetime.date | None = None) -> int:
    """The nightly pass over every active plan (new rounds, newcomers, leavers, progress)."""
    n = 0
    for plan in TrainingPlan.objects.filter(is_active=True).select_related("root"):
        plan_sync(plan=plan, today=today)
        n += 1
    return n


def plans_sync_for_staff(*, staff_id: int, today: datetime.date | None = None) -> int:
    """A person joined or moved: sync the plans whose subtree holds their (new) unit, and those
    they had an open assignment in (they may have left it)."""
    staff = Staff.objects.select_related("org_unit").get(pk=staff_id)
    prefixes = [
        staff.org_unit.path[:i] for i in range(OrgUnit.steplen, len(staff.org_unit.path) + 1, OrgUnit.steplen)
    ]
    plans = set(
        TrainingPlan.objects.filter(is_active=True, root__path__in=prefixes).values_list("pk", flat=True)
    ) | set(
        Assignment.objects.filter(staff=staff, completed_on__isnull=True, left_on__isnull=True).values_list(
            "round__plan_id", flat=True
        )
    )
    for plan in TrainingPlan.objects.filter(pk__in=plans).select_related("root"):
        plan_sync(plan=plan, today=today)
    return len(plans)


# --- extensions -------------------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, user, assignment: Assignment, new_due_on: datetime.date, reason: str
) -> ExtensionRequest:
    """A learner asks for more time on their own open task, with a reason (申请延期)."""
    if assignment.staff.user_id != user.pk:
        raise PlanError(_("You can only ask for more time on your own task."))
    if assignment.completed_on or assignment.left_on:
        raise PlanError(_("This task is closed; it needs no extension."))
    reason = (reason or "").strip()
    if not reason:
        raise PlanError(_("Give a reason for the extension."))
    if new_due_on <= assignment.due_on:
        raise PlanError(
            _("The new due date must be later than the current one, %(date)s.")
            % {"date": f"{assignment.due_on:%Y-%m-%d}"}
        )
    if assignment.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise PlanError(_("An extension request is already waiting for approval."))
    request = ExtensionRequest.objects.create(
        assignment=assignment, requested_due_on=new_due_on, reason=reason[:2000]
    )
    with _stored_language():
        title = _("Extension request: %(name)s, “%(plan)s”") % {
            "name": assignment.staff.name,
            "plan": assignment.round.plan.title,
        }
        body = _("Asks for %(date)s. Reason: %(reason)s") % {
            "date": f"{new_due_on:%Y-%m-%d}",
            "reason": reason[:200],
        }
    for manager_id in managers_of_unit(unit=assignment.staff.org_unit):
        from django.contrib.auth import get_user_model

        notify(
            get_user_model()(pk=manager_id),
            kind="extension_requested",
            title=title,
            body=body,
            url=reverse("plans:extensions"),
            dedupe_key=f"extension:{request.pk}:requested",
        )
    return request


@transaction.atomic
def extension_decide(*, actor, request: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    """The manager approves (the due date moves) or refuses a request (审批延期)."""
    request = (
        ExtensionRequest.objects.select_for_update(of=("self",))
        .select_related("assignment__staff__org_unit", "assignment__round__plan", "assignment__staff__user")
        .get(pk=request.pk)
    )
    _check_scope(actor, request.assignment.staff.org_unit)
    if request.status != ExtensionRequest.Status.PENDING:
        raise PlanError(_("This request has already been decided."))
    if not approve and not (note or "").strip():
        raise PlanError(_("Give a reason when you refuse."))
    assignment = request.assignment
    request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = (note or "").strip()[:2000]
    request.previous_due_on = assignment.due_on
    request.save()
    if approve:
        assignment.due_on, assignment.escalated_on = request.requested_due_on, None
        assignment.save(update_fields=["due_on", "escalated_on"])
    audit_record(
        actor=actor,
        action="plan.extension_" + ("approve" if approve else "refuse"),
        target=f"{assignment.staff.name}《{assignment.round.plan.title}》",
        details={
            "from": str(request.previous_due_on),
            "to": str(request.requested_due_on),
            "note": request.decision_note,
        },
    )
    with _stored_language():
        plan_title = {"plan": assignment.round.plan.title}
        if approve:
            title = _("Extension approved: “%(plan)s”") % plan_title
            body = _("New due date %(date)s. %(note)s") % {
                "date": f"{assignment.due_on:%Y-%m-%d}",
                "note": request.decision_note,
            }
        else:
            title = _("Extension refused: “%(plan)s”") % plan_title
            body = request.decision_note
    notify(
        assignment.staff.user,
        kind="extension_decided",
        title=title,
        body=body.strip(),
        url=reverse("plans:my_tasks"),
        dedupe_key=f"extension:{request.pk}:decided",
    )
    return request


# --- coverage gaps ----------------------------------------------------------------------------


def gap_proposals_refresh(*, today: datetime.date | None = None) -> int:
    """Propose someone for every gap in coverage (补缺建议) and close proposals whose gap closed."""
    today = today or timezone.localdate()
    gaps = {(u, a): n for u, a, n in coverage_gaps(k=competency_settings().coverage_min_holders, today=today)}
    GapProposal.objects.filter(status=GapProposal.Status.OPEN).exclude(
        pk__in=[
            pk
            for pk, u, a in GapProposal.objects.filter(status=GapProposal.Status.OPEN).values_list(
                "pk", "org_unit_id", "area_id"
            )
            if (u, a) in gaps
        ]
    ).update(status=GapProposal.Status.RESOLVED, decided_at=timezone.now())
    open_pairs = set(
        GapProposal.objects.filter(status=GapProposal.Status.OPEN).values_list("org_unit_id", "area_id")
    )
    made = 0
    for (unit_id, area_id), holders in sorted(gaps.items()):
        if (unit_id, area_id) in open_pairs:
            continue
        candidates = gap_candidates(unit_id=unit_id, area_id=area_id, today=today)
        best = candidates[0] if candidates else None
        with _stored_language():
            reasons = []
            if best is not None:
                if getattr(best, "certified_elsewhere", False):
                    reasons.append(_("Already certified in another area"))
                full_time = best.employment == Employment.FULL_TIME
                reasons.append(Employment.FULL_TIME.label if full_time else Employment.PART_TIME.label)
                reasons.append(
                    ngettext("%(n)s open task", "%(n)s open tasks", best.open_tasks) % {"n": best.open_tasks}
                )
            why = ngettext("%(n)s holder now", "%(n)s holders now", holders) % {"n": holders}
            if reasons:
                why = ngettext("%(n)s holder now; %(why)s", "%(n)s holders now; %(why)s", holders) % {
                    "n": holders,
                    "why": pgettext("reasons separator", "; ").join(str(r) for r in reasons),
                }
        proposal = GapProposal.objects.create(
            org_unit_id=unit_id, area_id=area_id, candidate=best, why=why[:200]
        )
        made += 1
        unit = OrgUnit.objects.get(pk=unit_id)
        from django.contrib.auth import get_user_model

        with _stored_language():
            title = _("Coverage gap: %(unit)s, “%(area)s”") % {"unit": unit.name, "area": proposal.area.name}
            if best:
                body = _("Suggest that %(name)s takes the training.") % {"name": best.name}
            else:
                body = _("Nobody at this station can be proposed.")
        for manager_id in managers_of_unit(unit=unit):
            notify(
                get_user_model()(pk=manager_id),
                kind="gap_proposed",
                title=title,
                body=body,
                url=reverse("plans:gaps"),
                dedupe_key=f"gap:{proposal.pk}:proposed",
            )
    return made


@transaction.atomic
def gap_confirm(*, actor, proposal: GapProposal, staff: Staff | None = None) -> TrainingPlan:
    """The station's manager confirms the proposed person, or picks another of the station's staff:
    a one-off plan with the area's basic module is assigned to them."""
    proposal = (
        GapProposal.objects.select_for_update(of=("self",))
        .select_related("org_unit", "area")
        .get(pk=proposal.pk)
    )
    _check_scope(actor, proposal.org_unit)
    if proposal.status != GapProposal.Status.OPEN:
        raise PlanError(_("This proposal has already been handled."))
    person = staff or proposal.candidate
    if person is None or person.org_unit_id != proposal.org_unit_id or not person.is_active:
        raise PlanError(_("Choose someone working at this station."))
    module = ModulePage.objects.live().filter(area=proposal.area).order_by("level", "path").first()
    if module is None:
        raise PlanError(_("“%(area)s” has no published training module yet.") % {"area": proposal.area.name})
    with _stored_language():
        title = _("Gap training: %(unit)s, “%(area)s”") % {
            "unit": proposal.org_unit.name,
            "area": proposal.area.name,
        }
    plan = plan_create(
        actor=actor,
        root=proposal.org_unit,
        title=title,
        pages=[module],
        audience_mode=TrainingPlan.AudienceMode.NAMED,
        people=[person],
        starts_on=timezone.localdate(),
        due_days=plan_settings().gap_due_days,
    )
    plan_sync(plan=plan)  # one person: assigned at once, so the manager sees it on the next page
    proposal.status, proposal.plan, proposal.candidate = GapProposal.Status.CONFIRMED, plan, person
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save()
    audit_record(actor=actor, action="plan.gap_confirm", target=plan.title, details={"person": person.name})
    return plan


@transaction.atomic
def gap_dismiss(*, actor, proposal: GapProposal) -> None:
    _check_scope(actor, proposal.org_unit)
    GapProposal.objects.filter(pk=proposal.pk, status=GapProposal.Status.OPEN).update(
        status=GapProposal.Status.DISMISSED, decided_by=actor, decided_at=timezone.now()
    )


# --- reminders --------------------------------------------------------------------------------


def reminders_send(*, now: datetime.datetime | None = None) -> dict:
    """Remind before the due date, on it and when overdue; escalate to the nearest managers (and
    the station's group robot) a set number of days after; remind when a renewal window opens.

    Each reminder has its own key, so running this every hour sends each one once; email goes out
    in the daily digest and robots respect quiet hours (training.notify).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings = plan_settings()
    counts = {"soon": 0, "today": 0, "overdue": 0, "escalated": 0, "renewal": 0}
    horizon = today + datetime.timedelta(days=settings.remind_days_before)
    url = reverse("plans:my_tasks")
    open_rows = Assignment.objects.filter(
        completed_on__isnull=True, left_on__isnull=True, due_on__lte=horizon, round__plan__is_active=True
    ).select_related("staff__user", "staff__org_unit", "round__plan")
    escalate = []
    for a in open_rows:
        days = (a.due_on - today).days
        plan = {"plan": a.round.plan.title}
        with _stored_language():
            if days > 0:
                key, kind = "soon", "task_due_soon"
                text = ngettext("Due in %(n)s day: %(plan)s", "Due in %(n)s days: %(plan)s", days) % {
                    **plan,
                    "n": days,
                }
            elif days == 0:
                key, kind, text = "today", "task_due_today", _("Due today: %(plan)s") % plan
            else:
                key, kind = "overdue", "task_overdue"
                text = ngettext("%(n)s day overdue: %(plan)s", "%(n)s days overdue: %(plan)s", -days) % {
                    **plan,
                    "n": -days,
                }
            body = ngettext(
                "Due on %(date)s; %(done)s of %(total)s item done.",
                "Due on %(date)s; %(done)s of %(total)s items done.",
                a.items_total,
            ) % {"date": f"{a.due_on:%Y-%m-%d}", "done": a.items_done, "total": a.items_total}
        sent = notify(
            a.staff.user,
            kind=kind,
            title=text,
            body=body,
            url=url,
            dedupe_key=f"task:{a.pk}:{key}:{a.due_on:%Y%m%d}",
            now=now,
        )
        counts[key] += sent is not None
        if days <= -settings.escalate_after_days and a.escalated_on is None:
            escalate.append(a)
    by_unit: dict[int, list[Assignment]] = defaultdict(list)
    for a in escalate:
        by_unit[a.staff.org_unit_id].append(a)
    from django.contrib.auth import get_user_model

    User = get_user_model()
    for unit_rows in by_unit.values():
        unit = unit_rows[0].staff.org_unit
        first = min(a.pk for a in unit_rows)
        n, days = len(unit_rows), settings.escalate_after_days
        with _stored_language():
            names = pgettext("list separator", ", ").join(
                _("%(name)s “%(plan)s”") % {"name": a.staff.name, "plan": a.round.plan.title}
                for a in unit_rows[:20]
            )
            if n > 20:
                names = ngettext(
                    "%(names)s and others, %(n)s person in all",
                    "%(names)s and others, %(n)s people in all",
                    n,
                ) % {"names": names, "n": n}
            title = ngettext(
                "Escalation: %(unit)s has %(n)s training task overdue by more than %(days)s days",
                "Escalation: %(unit)s has %(n)s training tasks overdue by more than %(days)s days",
                n,
            ) % {"unit": unit.name, "n": n, "days": days}
            robot_text = _(
                "[Training escalation] %(unit)s: these training tasks are overdue by more than "
                "%(days)s days, please finish them soon: %(names)s"
            ) % {"unit": unit.name, "days": days, "names": names}
        for manager_id in managers_of_unit(unit=unit):
            notify(
                User(pk=manager_id),
                kind="task_escalated",
                title=title,
                body=names,
                url=reverse("plans:plan_list"),
                dedupe_key=f"escalation:{unit.pk}:{today:%Y%m%d}:{first}",
                org_unit=unit,
                now=now,
            )
        notify_unit(
            unit,
            kind="task_escalated",
            text=robot_text,
            dedupe_key=f"escalation:{today:%Y%m%d}:{first}",
            now=now,
        )
        Assignment.objects.filter(pk__in=[a.pk for a in unit_rows]).update(escalated_on=today)
        counts["escalated"] += len(unit_rows)
    for cert in Certification.objects.filter(status=CertificationStatus.EXPIRING).select_related(
        "staff__user", "area"
    ):
        with _stored_language():
            title = _("Certification expiring soon: %(area)s (%(level)s)") % {
                "area": cert.area.name,
                "level": cert.get_level_display(),
            }
            body = _(
                "Valid until %(date)s. The renewal window is open: complete the module again to renew."
            ) % {"date": f"{cert.expires_on:%Y-%m-%d}"}
        sent = notify(
            cert.staff.user,
            kind="renewal_window",
            title=title,
            body=body,
            url=reverse("competency:my_certificates"),
            dedupe_key=f"renewal:{cert.pk}:{cert.expires_on:%Y%m%d}",
            now=now,
        )
        counts["renewal"] += sent is not None
    return counts
