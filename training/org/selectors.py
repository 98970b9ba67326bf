"""Reads over the organisation tree that respect scope (管辖范围).

Scope rules: a learner sees only themselves; a manager sees the subtrees of the units their
manager roles are bound to; an administrator (or superuser) sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from .choices import Role
from .models import CompetencySettings, OrgUnit, RoleAssignment, Staff


@dataclass(frozen=True)
class UserScope:
    """What one login may see, computed once per request."""

    roles: frozenset[str] = field(default_factory=frozenset)
    managed_paths: tuple[str, ...] = ()
    is_admin: bool = False

    @property
    def is_manager(self) -> bool:
        return self.is_admin or bool(self.managed_paths)

    @property
    def is_trainer(self) -> bool:
        return self.is_admin or Role.TRAINER in self.roles or Role.SENIOR_TRAINER in self.roles

    def covers_path(self, path: str) -> bool:
        return self.is_admin or any(path.startswith(p) for p in self.managed_paths)


def scope_for_user(user) -> UserScope:
    """The scope of a login: its roles and the tree paths it manages (one query, cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return UserScope()
    cached = getattr(user, "_station_scope", None)
    if cached is not None:
        return cached
    rows = list(RoleAssignment.objects.filter(user=user).values_list("role", "org_unit__path"))
    roles = frozenset(r for r, _ in rows)
    paths = tuple(sorted({p for r, p in rows if r == Role.MANAGER and p}))
    # A path nested in another adds nothing and would double count.
    paths = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    scope = UserScope(
        roles=roles,
        managed_paths=paths,
        is_admin=bool(user.is_superuser or Role.ADMIN in roles),
    )
    user._station_scope = scope
    return scope


def subtree_q(paths: tuple[str, ...], prefix: str = "") -> Q:
    """Rows whose ``<prefix>path`` lies in one of the subtrees (none for no paths)."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{prefix}path__startswith": p})
    return q


def org_unit_list_for_scope(*, scope: UserScope) -> QuerySet[OrgUnit]:
    """Units a manager may see: their subtrees; all for an admin; none for others."""
    qs = OrgUnit.objects.all()
    if scope.is_admin:
        return qs
    return qs.filter(subtree_q(scope.managed_paths))


def managed_roots_for_scope(*, scope: UserScope) -> QuerySet[OrgUnit]:
    """The top units of a manager's subtrees (the whole tree's roots for an admin)."""
    if scope.is_admin:
        return OrgUnit.get_root_nodes()
    return OrgUnit.objects.filter(path__in=scope.managed_paths).order_by("path")


def staff_list_in_subtree(*, unit: OrgUnit) -> QuerySet[Staff]:
    """Active staff of a unit and all units below it (下辖人员)."""
    return Staff.objects.filter(org_unit__path__startswith=unit.path, is_active=True)


def staff_for_user(user) -> Staff | None:
    """The staff record of a login, if it has one."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


def trainer_area_ids(user) -> set[int] | None:
    """The business areas a login acts on as a trainer (培训师负责领域): None means all
    (administrators, and trainers whose role names no areas); an empty set for anyone who is
    neither (a manager or a learner acts on no area)."""
    scope = scope_for_user(user)
    if scope.is_admin:
        return None
    if not scope.is_trainer:
        return set()
    rows = list(
        RoleAssignment.objects.filter(user=user, role__in=[Role.TRAINER, Role.SENIOR_TRAINER]).values_list(
            "pk", "areas"
        )
    )
    if any(area is None for _, area in rows):
        return None
    return {area for _, area in rows}


def may_act_on_area(*, user, area_id: int) -> bool:
    """Whether a login may act on one business area (在本领域内执业): author its content and
    question banks, mark its essays, issue, revoke and renew its certifications by hand, record
    its practical assessments. Administrators on every area, trainers on the areas of their role
    (all when it names none), nobody else. Every view, service and screen that acts on an area
    asks this, or filters by ``areas_q``, which says the same."""
    allowed = trainer_area_ids(user)
    return allowed is None or area_id in allowed


def areas_q(*, user, field: str = "area") -> Q:
    """Rows whose ``field`` (a business area) the login may act on (see ``may_act_on_area``)."""
    allowed = trainer_area_ids(user)
    if allowed is None:
        return Q()
    return Q(**{f"{field}__in": allowed})


def trainers_of_areas(*, area_ids: set[int] | None):
    """Logins that act on business areas as trainers (本领域培训师): active trainers and senior
    trainers whose role names one of the areas (any area for None) or no area at all; the
    contacts a question bank's owner is chosen among."""
    from django.contrib.auth import get_user_model

    roles = RoleAssignment.objects.filter(role__in=[Role.TRAINER, Role.SENIOR_TRAINER])
    if area_ids is not None:
        roles = roles.filter(Q(areas__in=area_ids) | Q(areas__isnull=True))
    return (
        get_user_model()
        .objects.filter(pk__in=roles.values("user_id"), is_active=True)
        .select_related("staff")
        .order_by("staff__name", "username")
    )


def trainers_of_area(*, area_id: int):
    """Trainers of one business area (see ``trainers_of_areas``)."""
    return trainers_of_areas(area_ids={area_id})


def name_of_user(user) -> str:
    """How a login is named to people: the staff record's name (姓名), else the login's own."""
    staff = staff_for_user(user)
    if staff is not None:
        return staff.name
    return user.get_full_name() or user.get_username()


def competency_settings() -> CompetencySettings:
    """The admin-tuned numbers (N for 多能, K for coverage, validity), with their defaults."""
    return CompetencySettings.load()
