"""Writes to the organisation tree and staff (机构与人员)."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .choices import Employment, Role, UnitLevel
from .models import AuditEvent, BusinessArea, OrgUnit, RoleAssignment, Staff, StaffTransfer
from .signals import staff_changed

BUSINESS_AREA_CATALOGUE: list[tuple[str, str, str]] = [
    ("employment", "就业服务", "Employment services"),
    ("unemployment", "失业保险", "Unemployment insurance"),
    ("pension", "城乡居民养老保险", "Residents' pension insurance"),
    ("medical", "城乡居民医疗保险", "Residents' medical insurance"),
    ("labour_rights", "劳动关系与权益维护", "Labour relations and rights"),
    ("labour_inspection", "劳动保障监察", "Labour inspection"),
    ("sscard", "社会保障卡", "Social-security card"),
    ("retiree", "离退休人员社会化管理", "Retiree community management"),
]


@transaction.atomic
def business_areas_ensure_catalogue() -> list[BusinessArea]:
    """Create the eight starting business areas (业务领域) if missing; never renames edited ones."""
    areas = []
    for order, (code, name, name_en) in enumerate(BUSINESS_AREA_CATALOGUE):
        area, _ = BusinessArea.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
        areas.append(area)
    return areas


@transaction.atomic
def org_unit_create(
    *,
    parent: OrgUnit | None,
    name: str,
    code: str,
    level: str,
    is_rural: bool = False,
    population: int = 0,
    areas: list[BusinessArea] | None = None,
    actor=None,
) -> OrgUnit:
    """Add a unit under ``parent`` (or a new root). Levels must descend one tier at a time.
    Given an ``actor`` (an administrator in the admin), the creation is audited (org.unit_create)."""
    order = [c.value for c in UnitLevel]
    if parent is None:
        unit = OrgUnit.add_root(name=name, code=code, level=level, is_rural=is_rural, population=population)
    else:
        if order.index(level) != order.index(parent.level) + 1:
            raise ValueError(f"{level} cannot sit under {parent.level}")
        unit = parent.add_child(name=name, code=code, level=level, is_rural=is_rural, population=population)
    if areas:
        unit.areas.set(areas)
    if actor is not None:
        audit_record(
            actor=actor,
            action="org.unit_create",
            target=unit_label(unit),
            details={"code": code, "level": level, "parent": parent.code if parent else None},
        )
    return unit


@transaction.atomic
def staff_create(
    *,
    username: str,
    name: str,
    org_unit: OrgUnit,
    password: str | None = None,
    post: str = "",
    employment: str = Employment.FULL_TIME,
    speciality: BusinessArea | None = None,
    hire_date: datetime.date | None = None,
    email: str = "",
) -> Staff:
    """Create a login and its staff record (工作人员) in one step; every staff member is a learner."""
    user_model = get_user_model()
    user = user_model(username=username, email=email, first_name=name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    staff = Staff(
        user=user,
        name=name,
        org_unit=org_unit,
        post=post,
        employment=employment,
        speciality=speciality,
        hire_date=hire_date,
    )
    staff.full_clean()
    staff.save()
    RoleAssignment.objects.create(user=user, role=Role.LEARNER)
    return staff


UNIT_PATH_SEPARATOR = "/"


def unit_labels(units: Iterable[OrgUnit]) -> dict[int, str]:
    """Each unit's full path of names from the root (江川市/东湖区/东湖街道), in one query."""
    units = list(units)
    steplen = OrgUnit.steplen
    prefixes = {u.path[:i] for u in units for i in range(steplen, len(u.path) + 1, steplen)}
    names: dict[str, str] = {}
    for part in chunks(sorted(prefixes)):
        names.update(OrgUnit.objects.filter(path__in=part).values_list("path", "name"))
    return {
        u.pk: UNIT_PATH_SEPARATOR.join(
            names.get(u.path[:i], "?") for i in range(steplen, len(u.path) + 1, steplen)
        )
        for u in units
    }


def unit_label(unit: OrgUnit) -> str:
    return unit_labels([unit])[unit.pk]


@dataclass
class NewStaff:
    """One person to create in bulk (see ``staff_create_many``)."""

    username: str
    name: str
    org_unit_id: int
    post: str = ""
    employment: str = Employment.FULL_TIME
    speciality_id: int | None = None
    id_number: str | None = None
    phone: str = ""


IN_CHUNK = 500  # rows per ``__in`` lookup: under SQLite's 999 bound parameters


def chunks(values: list, size: int = IN_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@transaction.atomic
def staff_create_many(*, people: list[NewStaff]) -> list[Staff]:
    """``staff_create`` for many at once (批量建档), with the same rules: a login with an unusable
    password (administrators reset it), the staff record, and the learner role. A constant number of
    queries per 500 people; the caller has checked usernames and ID numbers are free."""
    if not people:
        return []
    user_model = get_user_model()
    users = []
    for person in people:
        # What set_unusable_password() stores, minus its per-character random.choice (a third of
        # the time of a 50 000-person import).
        password = UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(UNUSABLE_PASSWORD_SUFFIX_LENGTH // 2)
        users.append(user_model(username=person.username, first_name=person.name[:150], password=password))
    user_model.objects.bulk_create(users, batch_size=IN_CHUNK)
    if any(u.pk is None for u in users):  # a backend that cannot return ids from a bulk insert
        ids = {}
        for part in chunks([u.username for u in users]):
            ids.update(user_model.objects.filter(username__in=part).values_list("username", "pk"))
        for user in users:
            user.pk = ids[user.username]
    staff = [
        Staff(
            user=user,
            name=person.name,
            org_unit_id=person.org_unit_id,
            post=person.post,
            employment=person.employment,
            speciality_id=person.speciality_id,
            id_number=person.id_number,
            phone=person.phone,
        )
        for user, person in zip(users, people, strict=True)
    ]
    Staff.objects.bulk_create(staff, batch_size=IN_CHUNK)
    if any(s.pk is None for s in staff):
        ids = {}
        for part in chunks([u.pk for u in users]):
            ids.update(Staff.objects.filter(user_id__in=part).values_list("user_id", "pk"))
        for record in staff:
            record.pk = ids[record.user_id]
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=Role.LEARNER) for user in users], batch_size=IN_CHUNK
    )
    return staff


def staff_changed_announce(staff_ids: list[int]) -> None:
    """Tell the apps above (plans) after commit that these people were created or moved in bulk."""
    if staff_ids:
        ids = list(staff_ids)
        transaction.on_commit(lambda: staff_changed.send(sender=Staff, staff_ids=ids))


@transaction.atomic
def staff_transfer(
    *, staff: Staff, to_unit: OrgUnit, actor=None, source: str = "", on: datetime.date | None = None
) -> StaffTransfer | None:
    """Move one person to another unit (人员调动) and keep the move as history; None if already there."""
    if staff.org_unit_id == to_unit.pk:
        return None
    from_unit = OrgUnit.objects.get(pk=staff.org_unit_id)
    labels = unit_labels([from_unit, to_unit])
    staff.org_unit = to_unit
    staff.save(update_fields=["org_unit"])
    return StaffTransfer.objects.create(
        staff=staff,
        from_unit=from_unit,
        to_unit=to_unit,
        from_unit_label=labels[from_unit.pk],
        to_unit_label=labels[to_unit.pk],
        on=on or timezone.localdate(),
        source=source[:100],
        actor=actor if getattr(actor, "pk", None) else None,
    )


class OrgTreeError(ValueError):
    """A change the tree cannot take (a unit under its own subtree, levels out of tier…); the
    message is for the administrator."""


UNIT_FIELDS = ("name", "code", "is_rural", "population")


@transaction.atomic
def org_unit_update(*, unit: OrgUnit, actor, areas: list[BusinessArea] | None = None, **fields) -> OrgUnit:
    """Edit a unit's name, code, urban/rural, population served and offered areas (机构维护);
    audited as ``org.unit_update`` with what changed."""
    changes: dict[str, list] = {}
    for name, value in fields.items():
        if name not in UNIT_FIELDS:
            raise TypeError(f"unexpected field {name}")
        old = getattr(unit, name)
        if old != value:
            changes[name] = [old, value]
            setattr(unit, name, value)
    if changes:
        unit.full_clean()
        unit.save(update_fields=list(changes))
    if areas is not None:
        before = sorted(unit.areas.values_list("code", flat=True))
        after = sorted(a.code for a in areas)
        if before != after:
            unit.areas.set(areas)
            changes["areas"] = [before, after]
    if changes:
        audit_record(actor=actor, action="org.unit_update", target=unit_label(unit), details=changes)
    return unit


def _check_parent_level(unit: OrgUnit, parent: OrgUnit) -> None:
    order = [c.value for c in UnitLevel]
    if order.index(unit.level) != order.index(parent.level) + 1:
        raise OrgTreeError(
            _(
                "“%(unit)s” (%(unit_level)s) cannot go under “%(parent)s” (%(parent_level)s): "
                "each tier sits right below the one above it"
            )
            % {
                "unit": unit.name,
                "unit_level": UnitLevel(unit.level).label,
                "parent": parent.name,
                "parent_level": UnitLevel(parent.level).label,
            }
        )


@transaction.atomic
def org_unit_move(*, unit: OrgUnit, parent: OrgUnit, actor) -> OrgUnit:
    """Move a unit with its whole subtree under another parent (机构调整). Staff stay with their
    units, so their records go along; audited as ``org.unit_move``."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    parent = OrgUnit.objects.get(pk=parent.pk)
    if parent.path.startswith(unit.path):
        raise OrgTreeError(
            _("“%(unit)s” cannot move under itself or one of its own units") % {"unit": unit.name}
        )
    _check_parent_level(unit, parent)
    old_parent = unit.get_parent()
    if old_parent is not None and old_parent.pk == parent.pk:
        return unit
    before = unit_label(unit)
    unit.move(parent, pos="sorted-child")
    unit.refresh_from_db()
    audit_record(
        actor=actor,
        action="org.unit_move",
        target=unit_label(unit),
        details={"code": unit.code, "from": before, "to": unit_label(unit)},
    )
    staff_changed_announce(
        list(Staff.objects.filter(org_unit__path__startswith=unit.path).values_list("pk", flat=True))
    )
    return unit


@transaction.atomic
def org_unit_merge(*, source: OrgUnit, target: OrgUnit, actor, on: datetime.date | None = None) -> OrgUnit:
    """Merge unit ``source`` into ``target`` (机构合并): its staff move to the target (each move kept
    as a transfer), its child units move under the target with their subtrees, its offered areas
    and population are added to the target's, its manager roles and other links point at the
    target; then ``source`` is deleted. Both must be of the same tier. Audited as ``org.unit_merge``."""
    source = OrgUnit.objects.select_for_update().get(pk=source.pk)
    target = OrgUnit.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk or target.path.startswith(source.path):
        raise OrgTreeError(
            _("“%(unit)s” cannot merge into itself or one of its own units") % {"unit": source.name}
        )
    if source.level != target.level:
        raise OrgTreeError(
            _(
                "Only units of the same tier can merge: “%(source)s” is a %(source_level)s, "
                "“%(target)s” a %(target_level)s"
            )
            % {
                "source": source.name,
                "source_level": UnitLevel(source.level).label,
                "target": target.name,
                "target_level": UnitLevel(target.level).label,
            }
        )
    labels = unit_labels([source, target])
    on = on or timezone.localdate()
    source_ref = f"org merge {source.code}"

    moved_staff = list(Staff.objects.filter(org_unit=source))
    for person in moved_staff:
        person.org_unit = target
        # One save each (not a bulk update) so the apps above see each transfer as usual.
        person.save(update_fields=["org_unit"])
    StaffTransfer.objects.bulk_create(
        StaffTransfer(
            staff=person,
            from_unit=source,
            to_unit=target,
            from_unit_label=labels[source.pk],
            to_unit_label=labels[target.pk],
            on=on,
            source=source_ref,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        for person in moved_staff
    )

    children = []
    while True:
        child = OrgUnit.objects.get(pk=source.pk).get_children().first()
        if child is None:
            break
        children.append(child.code)
        child.move(OrgUnit.objects.get(pk=target.pk), pos="sorted-child")

    added_areas = sorted(
        set(source.areas.values_list("code", flat=True)) - set(target.areas.values_list("code", flat=True))
    )
    target.areas.add(*source.areas.all())
    target.population += source.population
    target.save(update_fields=["population"])

    # Manager roles of the source now cover the target, unless the person already has that role.
    for role in RoleAssignment.objects.filter(org_unit=source):
        if RoleAssignment.objects.filter(user_id=role.user_id, role=role.role, org_unit=target).exists():
            role.delete()
        else:
            role.org_unit = target
            role.save(update_fields=["org_unit"])
    _repoint_links(source, target)

    details = {
        "source": labels[source.pk],
        "source_code": source.code,
        "target": labels[target.pk],
        "staff_moved": len(moved_staff),
        "children_moved": children,
        "areas_added": added_areas,
        "population_added": source.population,
    }
    OrgUnit.objects.get(pk=source.pk).delete()
    audit_record(actor=actor, action="org.unit_merge", target=labels[target.pk], details=details)
    return OrgUnit.objects.get(pk=target.pk)


_HANDLED_LINKS = {
    (Staff, "org_unit"),
    (StaffTransfer, "from_unit"),
    (StaffTransfer, "to_unit"),
    (RoleAssignment, "org_unit"),
}


def _repoint_links(source: OrgUnit, target: OrgUnit) -> None:
    """Point every other row linking to ``source`` (plans, robots, proposals…, whatever app they
    belong to) at ``target``, so deleting ``source`` neither cascades them away nor is refused."""
    for relation in OrgUnit._meta.related_objects:
        model, field = relation.related_model, relation.field
        if (model, field.name) in _HANDLED_LINKS or model is OrgUnit:
            continue
        if relation.many_to_many:
            through = getattr(model, field.name).through
            source_col, target_col = field.m2m_reverse_field_name(), field.m2m_field_name()
            owners = set(through.objects.filter(**{source_col: source}).values_list(target_col, flat=True))
            already = set(
                through.objects.filter(**{source_col: target, f"{target_col}__in": owners}).values_list(
                    target_col, flat=True
                )
            )
            through.objects.bulk_create(
                through(**{source_col + "_id": target.pk, target_col + "_id": owner})
                for owner in owners - already
            )
        else:
            model._base_manager.filter(**{field.name: source}).update(**{field.name: target})


@transaction.atomic
def role_grant(
    *,
    user,
    role: str,
    org_unit: OrgUnit | None = None,
    areas: list[BusinessArea] | None = None,
    actor=None,
) -> RoleAssignment:
    """Give a login a role. A manager role must name the unit whose subtree it covers; a trainer
    role may name the business areas whose content the trainer authors (none named: all).
    Audited as ``role.grant`` (授权记录) when it changes something, with ``actor`` the one
    granting (None: the system); granting a role held already, with the same areas, records nothing."""
    if role == Role.MANAGER and org_unit is None:
        raise ValueError("a manager role needs an org unit")
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, org_unit=org_unit if role == Role.MANAGER else None
    )
    areas_changed = False
    if areas:
        before = set() if created else set(assignment.areas.values_list("pk", flat=True))
        areas_changed = before != {a.pk for a in areas}
        assignment.areas.set(areas)
    if role in (Role.TRAINER, Role.SENIOR_TRAINER):
        user.groups.add(trainer_group_ensure())
    if role == Role.SENIOR_TRAINER:
        user.groups.add(senior_trainer_group_ensure())
    elif role == Role.ADMIN and not user.is_superuser:
        user.is_superuser = True
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    if created or areas_changed:
        audit_record(
            actor=actor,
            action="role.grant",
            target=user.get_username(),
            details={
                "role": role,
                "org_unit": org_unit.code if org_unit is not None and role == Role.MANAGER else None,
                "areas": [a.code for a in areas or []],
                "new": created,
            },
        )
    return assignment


TRAINERS_GROUP = "Trainers"


@transaction.atomic
def trainer_group_ensure():
    """The Wagtail group trainers belong to: admin access, authoring pages, images, documents and
    lesson videos."""
    from django.contrib.auth.models import Group, Permission

    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    group, _ = Group.objects.get_or_create(name=TRAINERS_GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(
            content_type__app_label="exams",
            codename__in=[
                f"{verb}_{model}"
                for verb in ("add", "change", "delete")
                for model in ("questionbank", "question")
            ],
        ),
    )
    root = Page.get_first_root_node()
    # No publish permission: a trainer's page goes live only through the approval workflow.
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=root,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    collection = Collection.get_first_root_node()
    for app_label, codenames in (
        ("wagtailimages", ("add_image", "change_image", "choose_image")),
        ("wagtaildocs", ("add_document", "change_document", "choose_document")),
        # Lesson videos: upload, replace and delete; limited to the trainer's business areas
        # by courses (wagtailmedia counts delete as change).
        ("wagtailmedia", ("add_media", "change_media")),
    ):
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
            )
    return group


SENIOR_TRAINERS_GROUP = "Senior trainers"
WORKFLOW_NAME = "培训内容审核"


@transaction.atomic
def senior_trainer_group_ensure():
    """Senior trainers (高级培训师) may publish, and approve what trainers submit (内容审核)."""
    from django.contrib.auth.models import Group, Permission

    from wagtail.models import (
        GroupApprovalTask,
        GroupPagePermission,
        Page,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    group, _ = Group.objects.get_or_create(name=SENIOR_TRAINERS_GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    root = Page.get_first_root_node()
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=root,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if created:
        task = GroupApprovalTask.objects.create(name="高级培训师审核")
        task.groups.set([group])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    # Our approval workflow replaces Wagtail's default "Moderators approval" for the whole site.
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    return group


# --- personal data (个人数据) ---------------------------------------------------------------------


def personal_data_export(*, staff: Staff, actor, verify_base: str = "/") -> tuple[str, bytes]:
    """A person's copy of everything the platform holds about them (个人数据下载): one zip, audited
    as ``personal_data.export``. Only ``staff`` itself is read; the caller makes sure it is the
    person's own record. Returns the file name and the bytes."""
    from .personal_data import personal_data_archive, personal_data_collect

    now = timezone.now()
    staff = Staff.objects.select_related("user", "org_unit", "speciality").get(pk=staff.pk)
    export = personal_data_collect(staff=staff, verify_base=verify_base)
    data = personal_data_archive(export, generated_at=now)
    audit_record(
        actor=actor,
        action="personal_data.export",
        target=f"staff #{staff.pk}",
        details={
            "sections": {s.key: len(s.rows) for s in export.sections},
            "attachments": len(export.attachments),
            "bytes": len(data),
        },
    )
    return f"personal-data-{timezone.localtime(now):%Y%m%d}.zip", data


class StaffEraseError(ValueError):
    """Why a person cannot be erased (the message is for the administrator)."""


_ASCII_MIN = 5  # shorter ASCII terms ("ab", "li") would hit unrelated words; they are replaced
# only where a field is exactly the login name.


def _erasure_terms(staff: Staff, user) -> tuple[list[str], list[str]]:
    """The words that identify the person (name, ID number, phone, e-mail, login name) and the
    longer words of other people that contain one of them (kept as they are)."""
    user_model = get_user_model()
    candidates = {
        staff.name,
        staff.id_number or "",
        staff.phone,
        user.email,
        user.get_username(),
        user.first_name,
        user.last_name,
        user.get_full_name(),
    }
    terms = []
    for term in candidates:
        term = (term or "").strip()
        if len(term) < 2 or (term.isascii() and len(term) < _ASCII_MIN):
            continue
        terms.append(term)
    protected: set[str] = set()
    for term in terms:
        for model, fields in (
            (Staff, ("name", "id_number", "phone")),
            (user_model, (user_model.USERNAME_FIELD, "email", "first_name")),
        ):
            q = None
            for name in fields:
                cond = Q(**{f"{name}__contains": term})
                q = cond if q is None else q | cond
            others = model.objects.filter(q).exclude(pk=staff.pk if model is Staff else user.pk)
            for row in others.values_list(*fields):
                protected.update(v for v in row if v and term in v and v != term)
    return sorted(terms, key=len, reverse=True), sorted(protected, key=len, reverse=True)


@transaction.atomic
def staff_erase(*, staff: Staff, actor) -> AuditEvent:
    """Remove a person who left (离职人员信息删除), irreversibly and all or nothing: their name
    becomes a neutral label (已注销人员 #id); ID number, phone, e-mail, login name and the free text
    about them are erased everywhere; login is disabled and sessions end. Their attempts,
    certifications (as history), progress and plan assignments stay attached to the anonymised
    record, so historic statistics do not change; being inactive, they no longer count in current
    coverage. Administrators only; audited as ``personal_data.erase`` with numbers only."""
    from .personal_data import ERASED_LABEL, Erasure, erasers, is_erased
    from .selectors import scope_for_user

    if not scope_for_user(actor).is_admin:
        raise PermissionDenied
    staff = Staff.objects.select_for_update().select_related("user").get(pk=staff.pk)
    user = staff.user
    if user.pk == getattr(actor, "pk", None):
        raise StaffEraseError("不能删除自己的信息")
    if is_erased(staff):
        raise StaffEraseError("此人的信息已经删除")
    terms, protected = _erasure_terms(staff, user)
    erasure = Erasure(
        staff=staff, user=user, label=ERASED_LABEL.format(pk=staff.pk), terms=terms, protected=protected
    )
    was_active = staff.is_active
    for eraser in erasers():
        eraser(erasure)
    return audit_record(
        actor=actor,
        action="personal_data.erase",
        target=erasure.label,
        details={"staff": staff.pk, "user": user.pk, "was_active": was_active, "changed": erasure.counts},
    )
