"""The session's user is read by a precompiled statement: the same user as the ORM's, and every
change to the row (deactivation, password, permissions, deletion) counts on the next request,
even when it is made by a bulk update that sends no signal."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from training.accounts.backends import user_by_pk

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_user_read_is_the_one_the_orm_reads_field_by_field(wang):
    User.objects.filter(pk=wang.user.pk).update(
        last_login=timezone.now() - datetime.timedelta(hours=3), first_name="小二", is_staff=True
    )
    expected = User.objects.get(pk=wang.user.pk)
    with CaptureQueriesContext(connection) as ctx:
        found = user_by_pk(wang.user.pk)
    assert len(ctx.captured_queries) == 1
    assert type(found) is User and found.pk == expected.pk and not found._state.adding
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.last_login.tzinfo is not None
    assert found.username == "王小二"
    assert user_by_pk(10**9) is None


def _signed_in(client, person):
    client.force_login(person.user)
    response = client.get("/me/certificates/")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"password": make_password("另一个密码Abc12345")},
    ],
    ids=["deactivated", "password changed"],
)
def test_a_bulk_change_to_the_row_ends_the_session_at_the_next_request(client, wang, change):
    _signed_in(client, wang)
    User.objects.filter(pk=wang.user.pk).update(**change)  # no signal, no cache to forget
    response = client.get("/me/certificates/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deleted_user_is_signed_out_and_new_permissions_count_at_once(client, wang):
    _signed_in(client, wang)
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin's login
    User.objects.filter(pk=wang.user.pk).update(is_staff=True, is_superuser=True)
    assert client.get("/admin/").status_code == 200
    User.objects.filter(pk=wang.user.pk).delete()
    assert client.get("/me/certificates/").status_code == 302
