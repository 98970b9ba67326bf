from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from training.org.models import OrgUnit
from training.org.selectors import competency_settings, managed_roots_for_scope, scope_for_user

from .dates import mask_name
from .models import Certification
from .selectors import (
    certification_display_status,
    certifications_for_user,
    competency_matrix_for_unit,
    coverage_for_unit,
    multi_skill_for_unit,
    person_card_for_user,
)


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
    context = {
        "unit": unit,
        "roots": roots,
        "ancestors": ancestors,
        "children": children,
        "matrix": competency_matrix_for_unit(
            unit=unit, page_number=request.GET.get("page", 1), settings=settings
        ),
        "coverage": coverage_for_unit(unit=unit, page_number=request.GET.get("spage", 1), settings=settings),
        "skills": multi_skill_for_unit(unit=unit, children=children, settings=settings),
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
