"""Every permission change leaves an audit record with who, what and the address: role grants and
revocations, group membership, superuser / staff flags, user and group permissions — whether made
by a service or in the Wagtail admin's user editor."""

from django.contrib.auth.models import Group, Permission

from training.org.models import AuditEvent, RoleAssignment
from training.org.services import role_grant


def test_role_grant_and_revoke_are_audited(tree, wang, admin):
    role_grant(user=wang.user, role="manager", org_unit=tree["east_comm"], actor=admin.user)
    assert AuditEvent.objects.filter(action="role.grant", target="王小二", actor=admin.user).exists()
    RoleAssignment.objects.filter(user=wang.user, role="manager").delete()
    event = AuditEvent.objects.get(action="role.revoke")
    assert event.target == "王小二" and event.details["role"] == "manager"


def test_group_membership_flags_and_permissions_are_audited(wang):
    group = Group.objects.create(name="审核组")
    wang.user.groups.add(group)
    assert AuditEvent.objects.get(action="user.groups").details["added"] == ["审核组"]
    group.user_set.remove(wang.user)
    assert AuditEvent.objects.filter(
        action="user.groups", target="王小二", details__removed=["审核组"]
    ).exists()

    wang.user.is_superuser = True
    wang.user.save()
    flags = AuditEvent.objects.get(action="user.flags")
    assert flags.details["is_superuser"] == [False, True] and flags.actor is None  # no request: the system

    perm = Permission.objects.get(codename="add_group")
    wang.user.user_permissions.add(perm)
    assert AuditEvent.objects.get(action="user.permissions").details["added"] == ["add_group"]
    group.permissions.add(perm)
    assert AuditEvent.objects.filter(
        action="group.permissions", target="审核组", details__added=["add_group"]
    ).exists()
    wang.user.user_permissions.clear()
    assert AuditEvent.objects.filter(action="user.permissions", details__removed=["add_group"]).exists()


def test_the_last_login_update_is_not_a_flag_change(client, wang):
    client.post("/accounts/login/", {"username": "王小二", "password": "pw-测试-12345"})
    assert not AuditEvent.objects.filter(action="user.flags").exists()


def test_wagtail_user_editor_changes_are_audited_with_the_admin_and_address(client, wang, admin):
    editors = Group.objects.get_or_create(name="Editors")[0]
    client.force_login(admin.user)
    page = client.get(f"/admin/users/edit/{wang.user.pk}/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/users/edit/{wang.user.pk}/",
        {
            "username": "王小二",
            "email": "wang@example.cn",
            "first_name": "小二",
            "last_name": "王",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "is_superuser": "on",
            "groups": [editors.pk],
        },
        REMOTE_ADDR="192.0.2.77",
    )
    assert response.status_code == 302, response.context["form"].errors
    flags = AuditEvent.objects.get(action="user.flags", target="王小二")
    assert flags.actor == admin.user and flags.details["ip"] == "192.0.2.77"
    assert flags.details["is_superuser"] == [False, True]
    groups = AuditEvent.objects.get(action="user.groups", target="王小二")
    assert groups.actor == admin.user and groups.details["added"] == ["Editors"]
    # shown on the admin audit page
    audit_page = client.get("/admin/org/audit/?action=user.")
    assert "192.0.2.77" in audit_page.text and "王小二" in audit_page.text


def test_an_admin_setting_a_password_in_the_user_editor_is_audited_but_a_rehash_is_not(client, wang, admin):
    wang.user.set_password("Xin-密码-2719q")
    wang.user.save(update_fields=["password"])  # what a re-hash at login does
    assert not AuditEvent.objects.filter(action="password.change").exists()
    client.force_login(admin.user)
    response = client.post(
        f"/admin/users/edit/{wang.user.pk}/",
        {
            "username": "王小二",
            "email": "wang@example.cn",
            "first_name": "小二",
            "last_name": "王",
            "password1": "Xin-长城-8841z",
            "password2": "Xin-长城-8841z",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    event = AuditEvent.objects.get(action="password.change")
    assert event.target == "王小二" and event.actor == admin.user
