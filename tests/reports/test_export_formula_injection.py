"""Every spreadsheet the platform writes neutralises formula injection: a name like
=HYPERLINK(…) comes back as text, never as a formula — report exports (Excel, CSV), question bank
exports (Excel, CSV) and the roster template's lists of units and areas.

In Excel the cell is a string with Excel's quote prefix (shown as typed, read back exactly); in
CSV it carries a leading apostrophe (what Excel and WPS show as text); the question bank formats
strip that apostrophe again on import, so a bank round-trips exactly.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from exams.bank_io import questions_export, questions_import
from exams.models import Question
from tests import factories
from training.org.models import BusinessArea, OrgUnit, Staff
from training.org.roster import roster_template_for_site
from training.org.spreadsheets import neutralise
from training.reports.services import export_csv_stream, export_file

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://x.cn/","点我")'  # fits a 40-character name
OTHERS = ["+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


def _no_formula_anywhere(data: bytes) -> None:
    """No cell of any sheet is a formula, in the XML itself and as openpyxl reads it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def _text_cells(data: bytes) -> dict[str, object]:
    """Every string cell's value → the cell (values exactly as stored)."""
    found = {}
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    found[cell.value] = cell
    return found


def test_report_exports_keep_a_hyperlink_name_as_text(tree, people):
    Staff.objects.filter(pk=people["learner"].pk).update(name=PAYLOAD, post=OTHERS[0])
    OrgUnit.objects.filter(pk=tree["east"].pk).update(name=OTHERS[3])  # a district: a row of 下级单位
    admin = people["admin"].user

    workbook = export_file(unit=tree["city"], user=admin, table="all", fmt="xlsx").content
    _no_formula_anywhere(workbook)
    cells = _text_cells(workbook)
    assert cells[PAYLOAD].data_type == "s" and cells[PAYLOAD].quotePrefix  # exactly the name, as text
    assert cells[OTHERS[0]].quotePrefix and cells[OTHERS[3]].quotePrefix  # a post and a unit name

    for table in ("roster", "units"):
        text = "".join(export_csv_stream(unit=tree["city"], user=admin, table=table)).removeprefix("\ufeff")
        values = [v for row in csv.reader(io.StringIO(text)) for v in row]
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in values), table
        if table == "roster":
            assert "'" + PAYLOAD in values and "'" + OTHERS[0] in values
        else:
            assert "'" + OTHERS[3] in values


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_question_bank_exports_neutralise_and_round_trip_exactly(tree, fmt):
    area = factories.areas()["employment"]
    bank = factories.bank(area=area, questions=0)
    stems = [PAYLOAD, *OTHERS]
    for stem in stems:
        factories.typed_question(bank, "single", stem=stem)
    data = questions_export(bank=bank, fmt=fmt)
    if fmt == "xlsx":
        _no_formula_anywhere(data)
        cells = _text_cells(data)
        assert all(cells["'" + s].data_type == "s" for s in stems)
    else:
        values = [v for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for v in row]
        assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
        assert all("'" + s in values for s in stems)
    copy = factories.bank(area=area, questions=0)
    questions_import(bank=copy, data=data, filename=f"bank.{fmt}")
    assert sorted(Question.objects.filter(bank=copy).values_list("stem", flat=True)) == sorted(stems)


def test_roster_template_lists_hostile_unit_and_area_names_as_text(tree):
    OrgUnit.objects.filter(pk=tree["west"].pk).update(name=PAYLOAD)
    BusinessArea.objects.filter(code="pension").update(name=OTHERS[2])
    data = roster_template_for_site()
    _no_formula_anywhere(data)
    cells = _text_cells(data)
    assert cells[OTHERS[2]].quotePrefix
    assert any(PAYLOAD in value for value in cells)  # inside a unit's full path


def test_neutralise_is_the_one_csv_rule():
    assert [neutralise(v) for v in ["=1", "+1", "-1", "@a", "\t=1", "\r=1", "张三", 42, None]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\t=1",
        "'\r=1",
        "张三",
        42,
        None,
    ]
