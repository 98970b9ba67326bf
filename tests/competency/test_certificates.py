"""Certificate PDFs with Chinese text and a QR code; bulk generation in the background."""

import datetime
import io

from django.utils import timezone

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from tests import factories
from training.competency.models import Certification
from training.competency.services import certificates_bulk_start, certification_issue
from training.competency.tasks import certificates_bulk_task
from training.jobs.services import jobs_recover
from training.org.models import Job

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, page: int = 0) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[page].extract_text()


def test_certificate_pdf_carries_the_chinese_text_back(client, people):
    cert = certification_issue(staff=people["learner"], area=factories.areas()["unemployment"], level="basic")
    client.force_login(people["learner"].user)
    response = client.get(f"/certificates/{cert.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for part in ("资格证书", "张小明", "失业保险", "初级", cert.number, cert.expires_on.isoformat()):
        assert part in text, part


def test_certificate_qr_code_scans_to_the_verification_page(client, people):
    cert = certification_issue(staff=people["learner"], area=factories.areas()["unemployment"], level="basic")
    client.force_login(people["learner"].user)
    pdf = client.get(f"/certificates/{cert.pk}/pdf/").content
    # Render the page as a phone camera would see it, and scan it with a real QR decoder.
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1.5).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [f"http://testserver/verify/{cert.verify_token}/"]
    client.logout()
    assert client.get(codes[0].text.removeprefix("http://testserver")).status_code == 200


def test_pdf_scope(client, people):
    cert = certification_issue(staff=people["learner"], area=factories.areas()["unemployment"], level="basic")
    url = f"/certificates/{cert.pk}/pdf/"
    for role, expected in (("west_learner", 404), ("west_manager", 404), ("manager", 200), ("admin", 200)):
        client.force_login(people[role].user)
        assert client.get(url).status_code == expected, role
    client.logout()
    assert client.get(url).status_code == 302


def test_bulk_certificates_for_a_subtree_with_progress(
    client, people, tree, django_capture_on_commit_callbacks
):
    areas = factories.areas()
    for person in (people["learner"], people["manager"]):
        certification_issue(staff=person, area=areas["pension"], level="basic")
    certification_issue(staff=people["west_learner"], area=areas["pension"], level="basic")  # other district
    client.force_login(people["manager"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/certificates/bulk/", {"unit": tree["east"].pk})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "done" and job.done == job.total == 2
    poll = client.get(f"/jobs/{job.pk}/?format=json").json()
    assert poll["percent"] == 100 and poll["download"]
    pdf = b"".join(client.get(poll["download"]).streaming_content)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    assert "李四" not in _text(pdf, 0) + _text(pdf, 1)
    # another district is out of reach, and so is another person's job
    assert client.post("/manage/certificates/bulk/", {"unit": tree["west"].pk}).status_code == 404
    client.force_login(people["west_manager"].user)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_bulk_certificates_run_through_the_job_runner_once_and_again_when_the_worker_is_lost(
    people, tree, django_capture_on_commit_callbacks
):
    """The production path: the service queues the task after commit, the worker's task claims
    the job through training.jobs and renders it; a second delivery of the message changes
    nothing, and a run whose worker died is queued again by jobs_recover and leaves one file."""
    areas = list(factories.areas().values())
    for i in range(40):
        person = factories.staff(org_unit=tree["east_comm"], name=f"王{i:02d}", password=None)
        certification_issue(staff=person, area=areas[i % 8], level="basic")
    expected = Certification.objects.filter(staff__org_unit__path__startswith=tree["east"].path).count()
    with django_capture_on_commit_callbacks(execute=True):
        job = certificates_bulk_start(user=people["manager"].user, unit=tree["east"], verify_base="http://t/")
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == ("done", expected, expected, 1)
    first = job.result.name
    with job.result.open("rb") as f:
        assert len(PdfReader(f).pages) == expected

    certificates_bulk_task.delay(job_id=job.pk)  # a second delivery of the message
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.name) == ("done", 1, first)

    # The worker was killed mid-run: the row says running, under a process that is gone.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, worker="nowhere:1:1", lease_until=timezone.now() - datetime.timedelta(1)
    )
    assert jobs_recover() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts, job.result.name) == ("done", expected, 2, first)
    with job.result.open("rb") as f:
        assert len(PdfReader(f).pages) == expected
