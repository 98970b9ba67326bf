import pytest


@pytest.fixture
def notify_config(db):
    """The notification settings row, to tune quiet hours per test."""
    from training.notify.models import NotifySettings

    return NotifySettings.load()
