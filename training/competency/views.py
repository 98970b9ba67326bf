from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from training.org.decorators import trainer_required
from training.org.models import Job, OrgUnit
from training.org.selectors import (
    areas_q,
    competency_settings,
    managed_roots_for_scope,
    may_act_on_area,
    scope_for_user,
)

from .badges import BadgeUnavailable, achievement_description, certification_badge, did_document
from .dates import mask_name
from .models import Certification
from .selectors import (
    certification_display_status,
    certifications_for_user,
    competency_matrix_for_unit,
    coverage_for_unit,
    multi_skill_for_unit,
    person_card_for_user,
    posts_in_subtree,
)
from .services import (
    CertificationError,
    certificate_pdf,
    certificates_bulk_start,
    certification_issue_manual,
    certification_revoke,
    practical_record,
)

NO_JOB_FILE = _("This job made no file to download; what it did is shown on its page.")


@login_required
def my_certificates(request):
    """The learner's own certificates (我的证书)."""
    settings = competency_settings()
    certs = list(certifications_for_user(user=request.user))
    for cert in certs:
        cert.display_status = certification_display_status(cert, expiring_days=settings.expiring_days)
    return render(
        request,
        "competency/my_certificates.html",
        {"certifications": certs, "card": person_card_for_user(user=request.user)},
    )


@login_required
def matrix(request):
    """Competency matrix and station coverage for one unit of the manager's subtree (能力矩阵)."""
    scope = scope_for_user(request.user)
    if not scope.is_manager:
        raise PermissionDenied
    roots = list(managed_roots_for_scope(scope=scope))
    unit_id = request.GET.get("unit")
    if unit_id:
        try:
            unit = OrgUnit.objects.get(pk=int(unit_id))
        except (ValueError, OrgUnit.DoesNotExist):
            raise Http404 from None
        if not scope.covers_path(unit.path):
            # Another subtree is not merely forbidden: it does not exist for this manager.
            raise Http404
    elif roots:
        unit = roots[0]
    else:
        raise Http404
    ancestors = [a for a in unit.get_ancestors() if scope.covers_path(a.path)]
    settings = competency_settings()
    children = list(unit.get_children())
    post = request.GET.get("post", "")[:60]
    employment = request.GET.get("employment", "")
    if employment not in ("", "full_time", "part_time"):
        employment = ""
    context = {
        "unit": unit,
        "roots": roots,
        "ancestors": ancestors,
        "children": children,
        "matrix": competency_matrix_for_unit(
            unit=unit,
            page_number=request.GET.get("page", 1),
            settings=settings,
            post=post,
            employment=employment,
        ),
        "posts": posts_in_subtree(unit=unit),
        "post": post,
        "employment": employment,
        "filter_query": urlencode({k: v for k, v in (("post", post), ("employment", employment)) if v}),
        "coverage": coverage_for_unit(
            unit=unit, page_number=request.GET.get("spage", 1), settings=settings, cached=True
        ),
        "skills": multi_skill_for_unit(unit=unit, children=children, settings=settings, cached=True),
    }
    return render(request, "competency/matrix.html", context)


def verify(request, token: str):
    """Public verification of a certificate (证书核验): no login; whether it is valid, expired or
    revoked, with the holder's name masked and nothing else personal."""
    cert = get_object_or_404(Certification.objects.select_related("staff", "area"), verify_token=token)
    settings = competency_settings()
    response = render(
        request,
        "competency/verify.html",
        {
            "cert": cert,
            "status": certification_display_status(cert, expiring_days=settings.expiring_days),
            "holder": mask_name(cert.staff.name),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _cert_in_reach(request, pk: int) -> Certification:
    """A certification the user may see: their own, or one in a managed subtree."""
    cert = get_object_or_404(
        Certification.objects.select_related("staff__org_unit", "staff__user", "area"), pk=pk
    )
    scope = scope_for_user(request.user)
    if cert.staff.user_id != request.user.pk and not scope.covers_path(cert.staff.org_unit.path):
        raise Http404
    return cert


@login_required
def certificate_pdf_view(request, pk: int):
    """The PDF of one certificate (own, or within a manager's subtree)."""
    cert = _cert_in_reach(request, pk)
    data = certificate_pdf(certification=cert, verify_base=request.build_absolute_uri("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{cert.number}.pdf"'
    return response


@login_required
def certificate_badge_view(request, pk: int):
    """The certification as a signed Open Badges 3.0 credential (开放徽章), to keep in a wallet or
    hand to another system. A revoked certification has none."""
    cert = _cert_in_reach(request, pk)
    try:
        badge = certification_badge(certification=cert, base_url=request.build_absolute_uri("/"))
    except BadgeUnavailable:
        raise Http404 from None
    response = JsonResponse(
        badge, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.json"'
    return response


def achievement_view(request, area_code: str, level: str):
    """What an Open Badges achievement id resolves to: public, like the verification page."""
    from training.org.choices import Level
    from training.org.models import BusinessArea

    if level not in Level.values:
        raise Http404
    area = get_object_or_404(BusinessArea, code=area_code)
    return JsonResponse(
        achievement_description(area=area, level=level, base_url=request.build_absolute_uri("/")),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )


def did_document_view(request):
    """The issuer's DID document (did:web), so anyone can check a badge's signature. Only an https
    site has one: did:web is defined for https alone."""
    if not request.is_secure():
        raise Http404
    return JsonResponse(did_document(request.build_absolute_uri("/")), content_type="application/did+json")


@login_required
@require_POST
def certificates_bulk(request):
    """Start the certificates of a subtree as one PDF, in the background (批量打印)."""
    scope = scope_for_user(request.user)
    try:
        unit = OrgUnit.objects.get(pk=int(request.POST.get("unit", "")))
    except (ValueError, OrgUnit.DoesNotExist):
        raise Http404 from None
    if not scope.covers_path(unit.path):
        raise Http404
    job = certificates_bulk_start(user=request.user, unit=unit, verify_base=request.build_absolute_uri("/"))
    return redirect("competency:job", job.pk)


@login_required
def job_view(request, pk: int):
    """A background job's progress, for the person who started it; JSON for the polling script."""
    job = get_object_or_404(Job, pk=pk, user=request.user)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),  # what the page shows (排队中 → 已完成)
                "error": job.error,
                "done": job.done,
                "total": job.total,
                "percent": job.percent,
                "download": reverse("competency:job_download", args=[job.pk])
                if job.status == "done" and job.result
                else None,
            }
        )
    return render(request, "competency/job.html", {"job": job})


@login_required
def job_download(request, pk: int):
    """The file a finished job made; a job that made none (a roster import reports on its page)
    or whose file is gone answers 404 saying so."""
    job = get_object_or_404(Job, pk=pk, user=request.user, status=Job.Status.DONE)
    try:
        if not job.result:
            raise FileNotFoundError
        return FileResponse(
            job.result.open("rb"), as_attachment=True, filename=job.result.name.rsplit("/", 1)[-1]
        )
    except FileNotFoundError:
        return render(request, "404.html", {"message": NO_JOB_FILE}, status=404)


@trainer_required
def people_search(request):
    """Trainers and admins find a person to issue, revoke or record a practical assessment."""
    query = request.GET.get("q", "").strip()[:40]
    people = []
    if query:
        from training.org.models import Staff

        people = list(
            Staff.objects.filter(name__contains=query, is_active=True)
            .select_related("org_unit")
            .order_by("name")[:30]
        )
    return render(request, "competency/people_search.html", {"query": query, "people": people})


@trainer_required
def person_certifications(request, staff_id: int):
    """One person's certifications with the by-hand actions (人工发证、撤销、实操考核), each on the
    business areas the trainer acts on: another area's certification, or an area not theirs,
    does not exist for them here."""
    from training.org.choices import Level
    from training.org.models import BusinessArea, Staff

    staff = get_object_or_404(Staff.objects.select_related("org_unit"), pk=staff_id)
    areas = BusinessArea.objects.filter(areas_q(user=request.user, field="pk"))
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        try:
            if action == "revoke":
                cert = get_object_or_404(
                    Certification.objects.filter(areas_q(user=request.user)),
                    pk=request.POST.get("certification"),
                    staff=staff,
                )
                certification_revoke(certification=cert, actor=request.user, reason=reason)
            elif action in ("issue", "practical"):
                area = get_object_or_404(areas, pk=request.POST.get("area"))
                level = request.POST.get("level")
                if level not in Level.values:
                    raise Http404
                if action == "issue":
                    certification_issue_manual(
                        staff=staff, area=area, level=level, actor=request.user, reason=reason
                    )
                else:
                    practical_record(
                        staff=staff,
                        area=area,
                        level=level,
                        passed=request.POST.get("passed") == "1",
                        assessor=request.user,
                        notes=reason,
                    )
            return redirect("competency:person_certifications", staff.pk)
        except CertificationError as exc:
            error = str(exc)
    certs = list(Certification.objects.filter(staff=staff).select_related("area").prefetch_related("events"))
    settings = competency_settings()
    for cert in certs:
        cert.display_status = certification_display_status(cert, expiring_days=settings.expiring_days)
        cert.in_reach = may_act_on_area(user=request.user, area_id=cert.area_id)
    return render(
        request,
        "competency/person_certifications.html",
        {
            "staff": staff,
            "certifications": certs,
            "areas": areas,
            "levels": Level.choices,
            "error": error,
        },
    )
