"""Wagtail's user bar on the front end: only on pages the person may edit, and without the
accessibility checker unless DEBUG is on (issue 17)."""

import pytest

from tests import factories
from training.org.choices import Role
from training.org.services import role_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def pension_trainer(tree):
    """A trainer responsible for pension content only."""
    person = factories.staff(org_unit=tree["city"], name="王培训")
    role_grant(user=person.user, role=Role.TRAINER, areas=[factories.areas()["pension"]])
    return person


def test_no_userbar_on_a_page_the_trainer_may_not_edit(client, pension_trainer):
    other = factories.module(area_code="employment")
    client.force_login(pension_trainer.user)
    body = client.get(other.url).text
    assert "失业保险金申领" in client.get(factories.lessons_of(other)[0].url).text  # may read it
    assert "<wagtail-userbar" not in body and "userbar.js" not in body


def test_userbar_without_the_checker_on_a_page_the_trainer_may_edit(client, settings, pension_trainer):
    settings.DEBUG = False
    own = factories.module(area_code="pension")
    client.force_login(pension_trainer.user)
    body = client.get(own.url).text
    assert "<wagtail-userbar" in body
    assert 'id="checker-trigger"' not in body and "axe-configuration" not in body


def test_developers_keep_the_checker_when_debug_is_on(client, settings, pension_trainer):
    settings.DEBUG = True
    own = factories.module(area_code="pension")
    client.force_login(pension_trainer.user)
    body = client.get(own.url).text
    assert "<wagtail-userbar" in body and 'id="checker-trigger"' in body


def test_a_learner_gets_no_userbar(client, people):
    mod = factories.module(area_code="pension")
    client.force_login(people["learner"].user)
    assert "<wagtail-userbar" not in client.get(mod.url).text
