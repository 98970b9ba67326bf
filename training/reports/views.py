from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exams.choices import AttemptStatus, ExamMode
from exams.models import Attempt
from training.competency.models import Certification
from training.competency.selectors import certification_display_status
from training.org.models import OrgUnit, Staff
from training.org.privacy import mask_id_number, mask_phone, may_see_personal_data
from training.org.selectors import competency_settings, managed_roots_for_scope, scope_for_user
from training.plans.models import Assignment

from .selectors import (
    REPORT_CACHE_SECONDS,
    province_report_cached,
    report_cache_key,
    report_settings,
    staff_of_unit,
)
from .services import (
    ALL,
    FORMATS,
    ExportError,
    export_csv_stream,
    export_file,
    export_needs_background,
    export_start,
)
from .tables import TABLES, table_titles

STATIONS_PAGE_SIZE = 30


def _unit_in_scope(request, unit_id) -> tuple[object, OrgUnit, list[OrgUnit]]:
    """The unit asked for, if the login manages it: learners are refused (403); a unit of another
    subtree does not exist for this manager (404)."""
    scope = scope_for_user(request.user)
    if not scope.is_manager:
        raise PermissionDenied
    roots = list(managed_roots_for_scope(scope=scope))
    if unit_id:
        try:
            unit = OrgUnit.objects.get(pk=int(unit_id))
        except (ValueError, TypeError, OrgUnit.DoesNotExist):
            raise Http404 from None
        if not scope.covers_path(unit.path):
            raise Http404
    elif roots:
        unit = roots[0]
    else:
        raise Http404
    return scope, unit, roots


def _ancestors(scope, unit: OrgUnit) -> list[OrgUnit]:
    """The managed units above ``unit``, for the breadcrumbs (one query at any depth)."""
    step = OrgUnit.steplen
    # The unit's own path is asked for too, so a root costs the same query as a station.
    paths = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    return [
        a
        for a in OrgUnit.objects.filter(path__in=paths).order_by("path")
        if a.path != unit.path and scope.covers_path(a.path)
    ]


def _charts(report: dict) -> dict:
    """The data the charts draw (passed with json_script; the same numbers are in the tables)."""
    measures = [
        (_("Coverage (%)"), "coverage"),
        (_("One speciality, many abilities (%)"), "both_share"),
        (_("Plan completion (%)"), "plan_completion"),
        (_("Formal exam pass rate (%)"), "pass_rate"),
    ]
    charts = {}
    if report["children"]:
        charts["units"] = {
            "type": "bar",
            "percent": True,
            "labels": [c.name for c, _m in report["children"]],
            "datasets": [
                {"label": label, "data": [getattr(m, attr) for _c, m in report["children"]]}
                for label, attr in measures
            ],
        }
    charts["urban_rural"] = {
        "type": "bar",
        "percent": True,
        "labels": [label for label, _attr in measures] + [_("Full-time share (%)")],
        "datasets": [
            {
                "label": name,
                "data": [getattr(m, attr) for _label, attr in measures] + [m.full_time_share],
            }
            for name, m in ((_("Urban"), report["urban"]), (_("Rural"), report["rural"]))
        ],
    }
    charts["areas"] = {
        "type": "bar",
        "percent": True,
        "horizontal": True,
        "labels": [r.area.name for r in report["areas"] if r.offered],
        "datasets": [
            {"label": _("Coverage (%)"), "data": [r.coverage for r in report["areas"] if r.offered]}
        ],
    }
    a = report["activity"]
    charts["activity"] = {
        "type": "line",
        "labels": [w.strftime("%m-%d") for w in a.weeks],
        "datasets": [
            {"label": _("All"), "data": a.total},
            {"label": _("Urban"), "data": a.urban},
            {"label": _("Rural"), "data": a.rural},
        ],
    }
    return charts


# Stands for the CSRF token in a cached fragment; each view puts its own token in its place.
CSRF_SLOT = "csrf-slot-4d2b9e"


def _report_html(request, *, unit: OrgUnit, is_admin: bool) -> str:
    """The figures, tables and charts of the dashboard as HTML, rendered once per unit, station
    page, language and role while the figures are cached (they hold no personal data, only
    counts and unit names); a cached view costs one cache read instead of a page of rendering."""
    settings = competency_settings()
    weights = report_settings().weights()
    spage = request.GET.get("spage", "1")
    spage = spage if spage.isdigit() and len(spage) <= 6 else "1"
    key = ":".join(
        (
            report_cache_key(unit=unit, settings=settings, weights=weights),
            "html",
            get_language(),
            spage,
            str(is_admin),
        )
    )
    html = cache.get(key)
    if html is None:
        report = province_report_cached(unit=unit, settings=settings, weights=weights)
        weights = report["weights"]
        html = render_to_string(
            "reports/_report.html",
            {
                "unit": unit,
                "report": report,
                "stations": Paginator(report["stations"], STATIONS_PAGE_SIZE).get_page(spage),
                "charts": _charts(report),
                "activity_rows": list(
                    zip(
                        report["activity"].weeks,
                        report["activity"].total,
                        report["activity"].urban,
                        report["activity"].rural,
                        strict=True,
                    )
                ),
                "weights": [
                    (_("Coverage"), weights["coverage"]),
                    (_("One speciality, many abilities"), weights["multi_skill"]),
                    (_("Plan completion"), weights["plan_completion"]),
                    (_("Formal exam pass rate"), weights["pass_rate"]),
                    (_("Full-time share"), weights["full_time"]),
                ],
                "tables": table_titles(),
                "is_admin": is_admin,
                "csrf_token": CSRF_SLOT,
            },
        )
        # Never outlive the figures it shows: "refreshed every five minutes" stays true.
        ttl = REPORT_CACHE_SECONDS - int((timezone.now() - report["computed_at"]).total_seconds())
        if ttl > 0:
            cache.set(key, html, ttl)
    return mark_safe(html.replace(CSRF_SLOT, get_token(request)))


@login_required
def dashboard(request):
    """The dashboard (统计看板) of one unit of the manager's subtree, with drill-down to the units
    below, the stations and their people. A fixed number of queries at every level."""
    scope, unit, roots = _unit_in_scope(request, request.GET.get("unit"))
    context = {
        "unit": unit,
        "roots": roots,
        "ancestors": _ancestors(scope, unit),
        "report_html": _report_html(request, unit=unit, is_admin=scope.is_admin),
        "people": staff_of_unit(unit=unit),
        "tables": table_titles(),
        "is_trainer": scope.is_trainer,
        "is_admin": scope.is_admin,
    }
    return render(request, "reports/dashboard.html", context)


@login_required
def person(request, staff_id: int):
    """A person's card for a manager of their unit (人员卡片): post, employment, contact (masked
    unless the role may see it), certifications, training tasks and recent formal exams."""
    scope = scope_for_user(request.user)
    if not scope.is_manager:
        raise PermissionDenied
    staff = get_object_or_404(Staff.objects.select_related("org_unit", "speciality"), pk=staff_id)
    if not scope.covers_path(staff.org_unit.path):
        raise Http404
    settings = competency_settings()
    certs = list(
        Certification.objects.filter(staff=staff).select_related("area").order_by("area__sort_order")
    )
    for cert in certs:
        cert.display_status = certification_display_status(cert, expiring_days=settings.expiring_days)
    assignments = list(
        Assignment.objects.filter(staff=staff, left_on__isnull=True)
        .select_related("round__plan")
        .order_by("completed_on", "due_on")[:20]
    )
    attempts = list(
        Attempt.objects.filter(
            user_id=staff.user_id,
            kind=Attempt.Kind.EXAM,
            exam__mode=ExamMode.FORMAL,
            status=AttemptStatus.GRADED,
        )
        .select_related("exam")
        .order_by("-submitted_at")[:10]
    )
    whole = may_see_personal_data(scope)
    return render(
        request,
        "reports/person.html",
        {
            "staff": staff,
            "ancestors": _ancestors(scope, staff.org_unit) + [staff.org_unit],
            "id_number": (staff.id_number or "") if whole else mask_id_number(staff.id_number),
            "phone": staff.phone if whole else mask_phone(staff.phone),
            "certifications": certs,
            "assignments": assignments,
            "attempts": attempts,
            "today": timezone.localdate(),
            "is_trainer": scope.is_trainer,
        },
    )


@login_required
@require_POST
def export(request):
    """Export a dashboard table (or all of them) as Excel, CSV or PDF: small ones at once, large
    ones in the background with a progress page and a download link."""
    _scope, unit, _roots = _unit_in_scope(request, request.POST.get("unit"))
    table, fmt = request.POST.get("table", ""), request.POST.get("format", "")
    if fmt not in FORMATS or (table not in TABLES and table != ALL) or (table == ALL and fmt == "csv"):
        raise Http404
    try:
        if export_needs_background(unit=unit, table=table, fmt=fmt):
            job = export_start(user=request.user, unit=unit, table=table, fmt=fmt, language=get_language())
            return redirect("competency:job", job.pk)
        if fmt == "csv":
            response = StreamingHttpResponse(
                export_csv_stream(unit=unit, user=request.user, table=table), content_type=FORMATS["csv"]
            )
            name = f"{unit.code}-{table}-{timezone.localdate().isoformat()}.csv"
        else:
            made = export_file(unit=unit, user=request.user, table=table, fmt=fmt)
            response = HttpResponse(made.content, content_type=made.content_type)
            name = made.filename
    except ExportError:
        raise Http404 from None
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
