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
    """The business areas whose content a trainer may author (培训师负责领域); None means all
    (administrators, and trainers whose role names no areas)."""
    scope = scope_for_user(user)
    if scope.is_admin:
        return None
    rows = list(
        RoleAssignment.objects.filter(user=user, role__in=[Role.TRAINER, Role.SENIOR_TRAINER]).values_list(
            "pk", "areas"
        )
    )
    if not rows or any(area is None for _, area in rows):
        return None
    return {area for _, area in rows}


def competency_settings() -> CompetencySettings:
    """The admin-tuned numbers (N for 多能, K for coverage, validity), with their defaults."""
    return CompetencySettings.load()
