"""Queries compiled once and run with new values return what the ORM returns."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from training.compiled import Compiled
from training.org.models import Staff

pytestmark = pytest.mark.django_db


def test_rows_and_objects_are_the_orms_for_every_value_and_shape(people):
    by_unit = Compiled(
        lambda user_id, *, shape: (
            Staff.objects.filter(user_id__gte=user_id, name__in=shape)
            .order_by("pk")
            .values_list("pk", "name", "hire_date", "user__date_joined")
        )
    )
    names = ("张小明", "李四")
    for user_id in (0, people["west_learner"].user_id, 10**9):
        for shape in (names, names[:1]):
            expected = list(
                Staff.objects.filter(user_id__gte=user_id, name__in=shape)
                .order_by("pk")
                .values_list("pk", "name", "hire_date", "user__date_joined")
            )
            assert by_unit.rows(user_id, shape=shape) == expected
    assert len(by_unit.plans) == 2  # one per shape, whatever the values

    users = Compiled(lambda pk: get_user_model().objects.filter(pk=pk))
    with CaptureQueriesContext(connection) as ctx:
        (found,) = users.instances(people["learner"].user_id)
    assert len(ctx.captured_queries) == 1
    assert found == people["learner"].user and found.date_joined == people["learner"].user.date_joined
    assert users.instances(-1) == []


def test_a_value_the_query_does_not_use_is_refused(people):
    unused = Compiled(lambda pk: Staff.objects.all())
    with pytest.raises(ValueError, match="every value"):
        unused.rows(1)
