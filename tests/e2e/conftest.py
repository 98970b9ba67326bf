import pytest


@pytest.fixture(autouse=True, scope="session")
def _media_served_by_the_product():
    """Django's live server answers /media/ itself, without range requests; let the product's own
    media view answer instead, as it does under gunicorn in embedded mode."""
    import django.test.testcases as testcases

    original = testcases._MediaFilesHandler
    testcases._MediaFilesHandler = lambda application: application
    yield
    testcases._MediaFilesHandler = original
