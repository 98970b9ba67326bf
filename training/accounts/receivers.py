"""The audit trail of logins and permissions (登录与权限审计), from Django's own signals, so
every path is covered: the site login, the Wagtail admin login, the Wagtail user and group
editors, services and the shell. Each record carries who, what, when and the client address."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from axes.signals import user_locked_out

from training.org.audit import audit_record
from training.org.models import RoleAssignment

from . import twofactor
from .context import request_actor_and_ip
from .middleware import session_mark_login
from .net import client_ip

User = get_user_model()
FLAGS = ("is_superuser", "is_staff", "is_active")


# --- logins -----------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="accounts_login_success")
def on_login(sender, request, user, **kwargs):
    """A login: start the session clocks, note what second factor it still owes, audit it."""
    if request is None:
        return
    session_mark_login(request.session)
    state = twofactor.two_factor_state_at_login(user)
    request.session[twofactor.SESSION_STATE] = state or twofactor.DONE
    audit_record(
        actor=user,
        action="login.success",
        target=user.get_username(),
        details={"ip": client_ip(request), "path": request.path, "two_factor": state or "none"},
    )


@receiver(user_login_failed, dispatch_uid="accounts_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    """A wrong password, an unknown name, or a try refused because of a lockout."""
    username = str((credentials or {}).get("username") or "")
    audit_record(
        actor=None,
        action="login.failed",
        target=username,
        details={
            "ip": client_ip(request) if request is not None else None,
            "path": getattr(request, "path", ""),
            # Refused by the lock before the password was checked (django-axes' handler, which
            # runs first, counted nothing then); the failure that starts a lock is not one.
            "refused_while_locked": bool(getattr(request, "axes_locked_out", False))
            and getattr(request, "axes_failures_since_start", None) is None,
        },
    )


@receiver(user_locked_out, dispatch_uid="accounts_locked_out")
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """The failure that starts a lockout (django-axes also sends this for every try refused while
    locked; those are ``login.failed`` records with ``refused_while_locked``)."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    from .lockout import lock_state

    state = lock_state(username=username, ip_address=ip_address)
    until = state.until
    audit_record(
        actor=None,
        action="login.lockout",
        target=str(username or ""),
        details={
            "ip": ip_address,
            "account_locked": state.account_until is not None,
            "address_locked": state.address_until is not None,
            "failures_account": state.by_account,
            "failures_address": state.by_address,
            "until": until.isoformat(timespec="seconds") if until else None,
        },
    )


@receiver(user_logged_out, dispatch_uid="accounts_logout")
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "accounts_logout_reason", "logout")
    audit_record(
        actor=user,
        action="logout" if reason == "logout" else reason.replace("_", "."),
        target=user.get_username(),
        details={"ip": client_ip(request)},
    )


# --- permissions --------------------------------------------------------------------------------


def _audit_change(action: str, target: str, details: dict) -> None:
    actor, ip = request_actor_and_ip()
    audit_record(actor=actor, action=action, target=target, details={**details, "ip": ip})


@receiver(pre_save, sender=User, dispatch_uid="accounts_user_flags_before")
def remember_user_flags(sender, instance, update_fields=None, raw=False, **kwargs):
    """Keep the superuser / staff / active flags as stored, to compare after the save. Skipped
    for saves that cannot touch them (the last-login update at every login)."""
    if raw or instance.pk is None:
        instance._accounts_flags_before = None
        return
    if update_fields is not None and not set(update_fields) & {*FLAGS, "password"}:
        instance._accounts_flags_before = None
        return
    instance._accounts_flags_before = User.objects.filter(pk=instance.pk).values(*FLAGS, "password").first()


@receiver(post_save, sender=User, dispatch_uid="accounts_user_flags_after")
def audit_user_flags(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """``user.flags``: superuser (超级管理员), staff (后台登录) or active changed, before → after.
    A new login created with any of the first two set is recorded too. ``password.change``: a
    password set through a form (ours, the Wagtail account page, an administrator in the Wagtail
    user editor), which saves the whole user; the silent re-hash at login saves only the password
    field and is not a change."""
    if raw:
        return
    before = getattr(instance, "_accounts_flags_before", None)
    instance._accounts_flags_before = None
    if created:
        before = {"is_superuser": False, "is_staff": False, "is_active": True, "password": instance.password}
    if before is None:
        return
    changes = {f: [before[f], getattr(instance, f)] for f in FLAGS if before[f] != getattr(instance, f)}
    if changes:
        _audit_change("user.flags", instance.get_username(), changes)
    if update_fields is None and before["password"] != instance.password:
        _audit_change("password.change", instance.get_username(), {})


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts_user_groups")
def audit_user_groups(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``user.groups``: a login joined or left a group (from either side of the relation)."""
    _audit_m2m("user.groups", instance, action, reverse, model, pk_set, kwargs, name_field="name")


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="accounts_user_permissions")
def audit_user_permissions(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``user.permissions``: a permission given to or taken from one login directly."""
    _audit_m2m("user.permissions", instance, action, reverse, model, pk_set, kwargs, name_field="codename")


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="accounts_group_permissions")
def audit_group_permissions(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``group.permissions``: a permission given to or taken from a whole group."""
    _audit_m2m("group.permissions", instance, action, reverse, model, pk_set, kwargs, name_field="codename")


def _audit_m2m(kind, instance, action, reverse, model, pk_set, extra, *, name_field):
    if action == "pre_clear":
        # What is about to go; the records are written now, the clear follows in the same transaction.
        field = {
            "user.groups": "groups",
            "user.permissions": "user_permissions",
            "group.permissions": "permissions",
        }
        if reverse:
            related = {
                "user.groups": "user_set",
                "user.permissions": "user_set",
                "group.permissions": "group_set",
            }
            others = list(getattr(instance, related[kind]).all())
        else:
            others = list(getattr(instance, field[kind]).all())
        pk_set = {o.pk for o in others}
        action = "post_remove"
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    verb = "added" if action == "post_add" else "removed"
    if not reverse:
        names = sorted(str(v) for v in model.objects.filter(pk__in=pk_set).values_list(name_field, flat=True))
        _audit_change(kind, _label(instance), {verb: names})
    else:
        # instance is the group or permission; pk_set holds the users or groups
        for other in model.objects.filter(pk__in=pk_set):
            _audit_change(kind, _label(other), {verb: [_label(instance, name_field)]})


def _label(obj, name_field: str | None = None) -> str:
    if isinstance(obj, User):
        return obj.get_username()
    if name_field:
        return str(getattr(obj, name_field, obj))
    return str(getattr(obj, "name", obj))


@receiver(post_delete, sender=RoleAssignment, dispatch_uid="accounts_role_revoke")
def audit_role_revoke(sender, instance, **kwargs):
    """``role.revoke``: a role taken away (granting is audited by ``role_grant`` itself)."""
    try:
        username = instance.user.get_username()
    except User.DoesNotExist:
        username = str(instance.user_id)
    _audit_change(
        "role.revoke",
        username,
        {"role": instance.role, "org_unit": instance.org_unit_id},
    )


def _connect_wagtail_permissions() -> None:
    """Wagtail's page and collection permissions of groups (页面权限, 集合权限)."""
    from wagtail.models import GroupCollectionPermission, GroupPagePermission

    def saved(sender, instance, created, raw=False, **kwargs):
        if created and not raw:
            _audit_change("group.permissions", instance.group.name, {"added": [_wagtail_perm(instance)]})

    def deleted(sender, instance, **kwargs):
        try:
            group = instance.group.name
        except Group.DoesNotExist:
            return
        _audit_change("group.permissions", group, {"removed": [_wagtail_perm(instance)]})

    for model in (GroupPagePermission, GroupCollectionPermission):
        post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"accounts_saved_{model.__name__}")
        post_delete.connect(
            deleted, sender=model, weak=False, dispatch_uid=f"accounts_deleted_{model.__name__}"
        )


def _wagtail_perm(instance) -> str:
    where = getattr(instance, "page_id", None)
    kind = "page" if where is not None else "collection"
    where = where if where is not None else getattr(instance, "collection_id", None)
    return f"{instance.permission.codename}@{kind}:{where}"


_connect_wagtail_permissions()
