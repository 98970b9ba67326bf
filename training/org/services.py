"""Writes to the organisation tree and staff (机构与人员)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from .choices import Employment, Role, UnitLevel
from .models import BusinessArea, OrgUnit, RoleAssignment, Staff

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
) -> OrgUnit:
    """Add a unit under ``parent`` (or a new root). Levels must descend one tier at a time."""
    order = [c.value for c in UnitLevel]
    if parent is None:
        unit = OrgUnit.add_root(name=name, code=code, level=level, is_rural=is_rural, population=population)
    else:
        if order.index(level) != order.index(parent.level) + 1:
            raise ValueError(f"{level} cannot sit under {parent.level}")
        unit = parent.add_child(name=name, code=code, level=level, is_rural=is_rural, population=population)
    if areas:
        unit.areas.set(areas)
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


@transaction.atomic
def role_grant(
    *, user, role: str, org_unit: OrgUnit | None = None, areas: list[BusinessArea] | None = None
) -> RoleAssignment:
    """Give a login a role. A manager role must name the unit whose subtree it covers; a trainer
    role may name the business areas whose content the trainer authors (none named: all)."""
    if role == Role.MANAGER and org_unit is None:
        raise ValueError("a manager role needs an org unit")
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user, role=role, org_unit=org_unit if role == Role.MANAGER else None
    )
    if areas:
        assignment.areas.set(areas)
    if role in (Role.TRAINER, Role.SENIOR_TRAINER):
        user.groups.add(trainer_group_ensure())
    if role == Role.SENIOR_TRAINER:
        user.groups.add(senior_trainer_group_ensure())
    elif role == Role.ADMIN and not user.is_superuser:
        user.is_superuser = True
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    return assignment


TRAINERS_GROUP = "Trainers"


@transaction.atomic
def trainer_group_ensure():
    """The Wagtail group trainers belong to: admin access, authoring pages, images and documents."""
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
