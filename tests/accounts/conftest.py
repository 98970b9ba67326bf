import pytest

from tests import factories
from training.org.services import staff_create

PASSWORD = factories.PASSWORD


@pytest.fixture
def tree(db):
    return factories.city_tree()


@pytest.fixture
def wang(tree):
    """A learner whose login name is Chinese."""
    return staff_create(username="王小二", name="王小二", org_unit=tree["east_comm"], password=PASSWORD)


@pytest.fixture
def manager(tree):
    return factories.staff(org_unit=tree["east"], name="周主管", role="manager", manages=tree["east"])


@pytest.fixture
def admin(tree):
    return factories.staff(org_unit=tree["city"], name="管理员", role="admin")


def post_login(client, username, password, *, ip="127.0.0.1", path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)
