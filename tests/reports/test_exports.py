"""Exports (报表导出): Excel, CSV and PDF read back with their Chinese, masking by role, formula
injection neutralised, large exports in the background with progress and download, and the audit
record of every export of personal data."""

import csv
import io

from django.core.exceptions import PermissionDenied

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from training.org.models import AuditEvent, Job, Staff
from training.reports import services
from training.reports.writers import neutralise

pytestmark = pytest.mark.django_db

URL = "/manage/dashboard/export/"
ID = "110101199003071234"
PHONE = "13812345678"


@pytest.fixture
def personal(people, city):
    Staff.objects.filter(pk=people["learner"].pk).update(id_number=ID, phone=PHONE, post='=HYPERLINK("x")')
    Staff.objects.filter(pk=city["part"].pk).update(name="@王兼职", phone="+8613800000000")
    return people


def _post(client, unit, table, fmt):
    return client.post(URL, {"unit": unit.pk, "table": table, "format": fmt})


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _xlsx_rows(data: bytes, sheet: int = 0):
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[sheet]
    return ws, [list(r) for r in ws.iter_rows(values_only=True)]


def test_units_table_exports_in_three_formats_with_chinese(client, tree, people, city):
    client.force_login(people["manager"].user)
    xlsx = _post(client, tree["east"], "units", "xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    ws, rows = _xlsx_rows(xlsx.content)
    assert "东湖区" in rows[0][0] and "下级单位" in rows[0][0]  # title row: unit, table, date
    assert rows[1][:3] == ["单位", "人数", "专职占比 (%)"]
    assert ws.freeze_panes == "A3"
    assert rows[2][0] == "东湖街道" and rows[2][1] == 2  # 张小明 and 王兼职 below 东湖街道
    assert rows[-1][0] == "合计：东湖区"

    response = _post(client, tree["east"], "units", "csv")
    data = _body(response)
    assert data.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[1][0] == "单位" and lines[2][0] == "东湖街道"

    pdf = _post(client, tree["east"], "units", "pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "东湖街道" in text and "业务覆盖率" in text


@pytest.mark.parametrize("table", ["urban_rural", "areas", "stations", "activity"])
def test_every_dashboard_table_exports(client, tree, people, city, table):
    client.force_login(people["admin"].user)
    for fmt in ("xlsx", "csv", "pdf"):
        assert _post(client, tree["city"], table, fmt).status_code == 200, (table, fmt)
    _ws, rows = _xlsx_rows(_post(client, tree["city"], table, "xlsx").content)
    assert "江川市" in rows[0][0] and len(rows) > 2


def test_roster_masked_for_a_manager_whole_for_an_admin_and_audited(client, tree, personal, city):
    client.force_login(personal["manager"].user)
    _ws, rows = _xlsx_rows(_post(client, tree["east"], "roster", "xlsx").content)
    header = rows[1]
    assert header[:6] == ["姓名", "所在单位", "岗位", "用工性质", "身份证号", "手机号"]
    assert "就业服务" in header
    row = next(r for r in rows if r[0] == "张小明")
    assert row[4] == "110101********1234" and row[5] == "138****5678"
    assert row[header.index("就业服务")] == "高级" and row[header.index("城乡居民养老保险")] == "初级"
    event = AuditEvent.objects.get(action="export.personal_data")
    assert event.actor == personal["manager"].user and "东湖区" in event.target
    assert event.details["masked"] is True and event.details["format"] == "xlsx"
    assert event.details["rows"] == 3  # 张小明, 王兼职, 周主管

    client.force_login(personal["admin"].user)
    data = _body(_post(client, tree["east"], "roster", "csv")).decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(data)) if r[0] == "张小明")
    assert row[4] == ID and row[5] == PHONE
    event = AuditEvent.objects.filter(action="export.personal_data").first()
    assert event.actor == personal["admin"].user and event.details["masked"] is False
    assert event.details["format"] == "csv" and event.details["rows"] == 3

    pdf = _post(client, tree["east"], "roster", "pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "张小明" in text and ID in text
    assert AuditEvent.objects.filter(action="export.personal_data").count() == 3


def test_formula_injection_is_neutralised_in_excel_and_csv(client, tree, personal, city):
    assert neutralise("=1+1") == "'=1+1" and neutralise("-3") == "'-3" and neutralise(42) == 42
    client.force_login(personal["admin"].user)
    _ws, rows = _xlsx_rows(_post(client, tree["east"], "roster", "xlsx").content)
    learner = next(r for r in rows if r[0] == "张小明")
    assert learner[2] == '=HYPERLINK("x")'  # the text exactly, as a string cell (checked cell by cell below)
    part = next(r for r in rows if r[0] and "王兼职" in r[0])
    assert part[0] == "@王兼职" and part[5] == "+8613800000000"
    data = _body(_post(client, tree["east"], "roster", "csv")).decode("utf-8-sig")
    cells = [c for r in csv.reader(io.StringIO(data)) for c in r]
    assert '\'=HYPERLINK("x")' in cells and "'@王兼职" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_export_scope(client, tree, people, city):
    client.force_login(people["learner"].user)
    assert _post(client, tree["east_comm"], "roster", "csv").status_code == 403
    client.force_login(people["west_manager"].user)
    assert _post(client, tree["east"], "roster", "csv").status_code == 404
    client.force_login(people["manager"].user)
    assert _post(client, tree["east"], "nonsense", "csv").status_code == 404
    assert _post(client, tree["east"], "all", "csv").status_code == 404
    assert client.get(f"{URL}?unit={tree['east'].pk}&table=roster&format=csv").status_code == 405
    client.logout()
    assert _post(client, tree["east"], "roster", "csv").status_code == 302
    assert not AuditEvent.objects.filter(action="export.personal_data").exists()


def test_large_export_runs_in_the_background_with_progress_and_download(
    client, tree, personal, city, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_MAX_ROWS", 2)
    client.force_login(personal["manager"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, tree["east"], "roster", "csv")
    job = Job.objects.get(kind="report_export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.done, job.total, job.user) == ("done", 3, 3, personal["manager"].user)
    progress = client.get(f"/jobs/{job.pk}/?format=json").json()
    assert progress["percent"] == 100 and progress["download"] == f"/jobs/{job.pk}/download/"
    assert client.get(f"/jobs/{job.pk}/").status_code == 200
    download = client.get(progress["download"])
    data = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "张小明" in data and "110101********1234" in data
    event = AuditEvent.objects.get(action="export.personal_data")
    assert event.details["rows"] == 3 and event.details["masked"] is True
    client.force_login(personal["west_manager"].user)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404  # someone else's file


def test_whole_workbook_always_in_the_background_with_a_sheet_per_table(
    client, tree, people, city, django_capture_on_commit_callbacks
):
    client.force_login(people["admin"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, tree["city"], "all", "xlsx")
    job = Job.objects.get(kind="report_export")
    assert response["Location"] == f"/jobs/{job.pk}/" and job.status == "done"
    wb = load_workbook(job.result.open("rb"))
    assert wb.sheetnames == ["下级单位", "城市和农村", "业务领域", "站点考核排名", "学习活跃度", "人员台账"]
    assert AuditEvent.objects.filter(action="export.personal_data", details__format="xlsx").count() == 1


def test_excel_export_service_for_the_benchmark(tree, personal, city):
    with pytest.raises(PermissionDenied):  # 东湖区's manager, asking for the whole city
        services.excel_export(unit=tree["city"], user=personal["manager"].user)
    made = services.excel_export(unit=tree["east"], user=personal["manager"].user)
    assert made.rows == 3 and made.masked and made.filename.endswith(".xlsx")
    _ws, rows = _xlsx_rows(made.content)
    assert rows[1][0] == "姓名"
