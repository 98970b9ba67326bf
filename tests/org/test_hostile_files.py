"""Both importers (花名册 roster, 题库 question bank) fed malformed and hostile files: each gives a
clear Chinese message naming file, row and column where there is one, and imports NOTHING.

Every file is generated here: truncated zips, zip bombs (honest and lying sizes), XML entity
expansion, huge cells, too many rows, formula injection and real formulas, CSV in the encodings
Chinese offices write (accepted) and the ones they do not (refused), empty files, missing and
duplicated headers, merged cells, hidden sheets, and hypothesis-generated garbage.
"""

from __future__ import annotations

import codecs
import csv
import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Count

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from exams.bank_io import questions_import
from exams.formats import xlsx as question_xlsx
from exams.formats.model import ImportFailed
from exams.models import Choice, Question
from tests import factories
from training.org.models import AuditEvent, Staff, StaffTransfer
from training.org.roster import HEADERS as ROSTER_HEADERS
from training.org.roster import RosterInvalid, roster_import
from training.org.roster import parse as roster_parse
from training.org.spreadsheets import text_cell

from .conftest import id_number

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


# --- the two importers behind one face --------------------------------------------------------


@dataclass
class Importer:
    kind: str
    headers: tuple[str, ...]
    name_column: str  # the free-text column a hostile cell goes into
    good: list  # one valid row
    bank: object = None

    def run(self, data: bytes, filename: str):
        if self.kind == "roster":
            return roster_import(data=data, filename=filename)
        return questions_import(bank=self.bank, data=data, filename=filename)

    @property
    def error(self):
        return RosterInvalid if self.kind == "roster" else ImportFailed

    def counts(self) -> tuple[int, ...]:
        if self.kind == "roster":
            return (
                Staff.objects.count(),
                get_user_model().objects.count(),
                StaffTransfer.objects.count(),
                AuditEvent.objects.filter(action="roster.import").count(),
            )
        return (Question.objects.count(), Choice.objects.count())

    def where(self, row: int, column: str, filename: str) -> str:
        """How the importer names a cell in its messages."""
        letter = chr(ord("A") + self.headers.index(column))
        if self.kind == "roster":
            return f"第 {row} 行，{column}（{letter} 列）："
        return f"{filename} 第{row}行 “{column}”列："

    def refuse(self, data: bytes, filename: str) -> list[str]:
        """The messages of a refused file, having checked that nothing was written."""
        before = self.counts()
        with pytest.raises(self.error) as caught:
            self.run(data, filename)
        assert self.counts() == before, "a refused file must import nothing"
        messages = [str(issue) for issue in caught.value.issues]
        assert messages and all(messages)
        if self.kind == "roster":
            # the command names the file in its last line (the admin page in its heading)
            assert str(caught.value)
        else:
            assert all(m.startswith(filename) for m in messages), messages
        return messages


@pytest.fixture(params=["roster", "questions"])
def importer(request, tree):
    if request.param == "roster":
        good = [tree["east_comm"].code, "张晓明", id_number(), "13800138000", "社保经办员", "专职", ""]
        return Importer("roster", ROSTER_HEADERS, "姓名", good)
    bank = factories.bank(area=factories.areas()["employment"], questions=0)
    good = [
        "单选题",
        "失业保险金按月发放吗？",
        "是",
        "否",
        "",
        "",
        "",
        "",
        "",
        "",
        "A",
        "按月发放。",
        "易",
        "失业保险",
    ]
    return Importer("questions", question_xlsx.HEADERS, "题干", good, bank)


def _with(row: list, importer: Importer, column: str, value) -> list:
    row = list(row)
    row[importer.headers.index(column)] = value
    return row


# --- file builders ----------------------------------------------------------------------------


def xlsx(headers, rows, *, formulas: bool = False, setup=None) -> bytes:
    """A workbook; text stays text (as a person types it) unless ``formulas`` lets "=…" be one."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    if headers is not None:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row) if formulas else [text_cell(sheet, v) for v in row])
    if setup:
        setup(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(headers, rows, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    """The same zip with one part's content replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info))
    return out.getvalue()


BOMB_BYTES = 300 * 1024 * 1024  # what the bomb's sheet inflates to


@cache
def _bomb_stream() -> tuple[bytes, int]:
    """A raw deflate stream of 300 MB of sheet rows, built in well under a second: after a full
    flush the compressor starts afresh, so one compressed megabyte can be repeated."""
    chunk = b"<row><c><v>1</v></c></row>" * (1024 * 1024 // 26)
    chunk += b" " * (1024 * 1024 - len(chunk))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = BOMB_BYTES // len(chunk)
    stream = block * count + zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return stream, crc


def zip_bomb(valid: bytes, *, declared: int | None) -> bytes:
    """``valid`` with its first sheet replaced by 300 MB of rows compressed to well under 1 MB.
    ``declared`` is the uncompressed size the zip headers claim (None: the truth)."""
    stream, crc = _bomb_stream()
    name = "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(valid)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename == name:
                target.writestr(zipfile.ZipInfo(name), stream, compress_type=zipfile.ZIP_STORED)
            else:
                target.writestr(info.filename, source.read(info))
    data = bytearray(out.getvalue())
    # Turn the stored entry into a deflated one of the claimed size, in both headers.
    size = BOMB_BYTES if declared is None else declared
    encoded = name.encode()
    local = data.find(b"PK\x03\x04")
    while data[local + 30 : local + 30 + len(encoded)] != encoded:
        local = data.find(b"PK\x03\x04", local + 4)
    struct.pack_into("<H", data, local + 8, 8)
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, size)
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(encoded)] != encoded:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<H", data, central + 10, 8)
    struct.pack_into("<I", data, central + 16, crc)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


# --- broken and hostile containers ------------------------------------------------------------


def test_truncated_and_fake_zips_are_refused(importer):
    valid = xlsx(importer.headers, [importer.good])
    for data in (valid[: len(valid) // 2], valid[:100], b"PK\x03\x04" + b"\x00" * 200):
        [message] = importer.refuse(data, "坏文件.xlsx")
        assert "文件不是有效的 Excel（.xlsx）文件，或文件已损坏" in message


def test_old_binary_excel_is_refused_with_what_to_do(importer):
    [message] = importer.refuse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096, "名单.xls")
    assert "旧版 Excel（.xls）或 WPS（.et）" in message and "另存为 .xlsx" in message


@pytest.mark.parametrize("declared", [None, 1_000], ids=["honest-sizes", "lying-sizes"])
def test_a_zip_bomb_is_refused_without_inflating_it(importer, declared):
    data = zip_bomb(xlsx(importer.headers, [importer.good]), declared=declared)
    assert len(data) < 2 * 1024 * 1024  # a few hundred KB that claim, or hide, 300 MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        [message] = importer.refuse(data, "炸弹.xlsx")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 10 and peak < 64 * 1024 * 1024, (elapsed, peak)
    if declared is None:
        assert "文件解压后超过" in message and "可能是恶意文件" in message
    else:  # the headers lie: the inflated part does not match them
        assert "文件不是有效的 Excel（.xlsx）文件，或文件已损坏" in message


def test_entity_expansion_is_refused(importer):
    data = replace_part(xlsx(importer.headers, [importer.good]), "xl/worksheets/sheet1.xml", BILLION_LAUGHS)
    [message] = importer.refuse(data, "实体.xlsx")
    assert "XML 实体声明（DTD）" in message


# --- cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5_001, 40_000], ids=["over-our-limit", "over-excel-limit"])
def test_huge_cells_are_refused_by_row_and_column(importer, size):
    # openpyxl cuts what it writes at Excel's 32 767; other programs do not, so put it in the XML
    row = _with(importer.good, importer, importer.name_column, "HUGECELL")
    data = xlsx(importer.headers, [importer.good, row])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    data = replace_part(data, "xl/worksheets/sheet1.xml", sheet.replace(b"HUGECELL", ("长" * size).encode()))
    messages = importer.refuse(data, "长.xlsx")
    assert any(
        m.startswith(importer.where(3, importer.name_column, "长.xlsx"))
        and f"单元格内容过长（{size} 个字符" in m
        for m in messages
    ), messages


def test_a_very_long_name_is_refused(importer):
    row = _with(importer.good, importer, importer.name_column, "王" * 3000)
    messages = importer.refuse(xlsx(importer.headers, [row]), "名.xlsx")
    assert messages[0].startswith(importer.where(2, importer.name_column, "名.xlsx"))


def test_more_rows_than_the_limit_are_refused(importer, monkeypatch):
    monkeypatch.setattr(roster_parse, "MAX_ROWS", 50)
    monkeypatch.setattr(question_xlsx, "LIMITS", question_xlsx.LIMITS.__class__(10**7, 10**8, 50, 5000))
    rows = []
    for n in range(51):
        row = _with(importer.good, importer, importer.name_column, f"第{n}人题")
        if importer.kind == "roster":
            row = _with(row, importer, "身份证号", id_number())
        rows.append(row)
    [message] = importer.refuse(xlsx(importer.headers, rows), "多.xlsx")
    assert "数据超过 50 行，请拆分后分批导入" in message


@pytest.mark.parametrize("payload", INJECTIONS, ids=["dde", "hyperlink", "plus", "minus", "at", "tab", "cr"])
def test_formula_injection_in_a_roster_is_refused_and_in_a_question_kept_as_text(importer, payload):
    row = _with(importer.good, importer, importer.name_column, payload)
    data = xlsx(importer.headers, [row])
    if importer.kind == "roster":
        [message] = importer.refuse(data, "注入.xlsx")
        assert message.startswith(importer.where(2, "姓名", "注入.xlsx"))
        assert "公式注入" in message and "已拒绝" in message
        csv_data = csv_text(importer.headers, [row]).encode("utf-8")
        [message] = importer.refuse(csv_data, "注入.csv")
        assert "公式注入" in message
        return
    # A question is content: "-2+3" may be a real option. Kept exactly, as text; exports neutralise.
    [question] = importer.run(data, "注入.xlsx")
    assert question.stem == payload.strip()


def test_real_formula_cells_are_refused_by_row_and_column(importer):
    row = _with(importer.good, importer, importer.name_column, '=CONCAT("张","三")')
    messages = importer.refuse(xlsx(importer.headers, [importer.good, row], formulas=True), "公式.xlsx")
    assert messages[0].startswith(importer.where(3, importer.name_column, "公式.xlsx"))
    assert "单元格是公式" in messages[0] and "选择性粘贴" in messages[0]


# --- CSV encodings ----------------------------------------------------------------------------


def _csv_import_works(importer, data: bytes, filename: str):
    before = importer.counts()
    result = importer.run(data, filename)
    assert importer.counts() != before
    if importer.kind == "roster":
        assert Staff.objects.filter(name="张晓明").exists()
    else:
        assert [q.stem for q in result] == ["失业保险金按月发放吗？"]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("gbk"), id="gbk-chinese-excel"),
        pytest.param(lambda text: text.encode("gb18030"), id="gb18030"),
        pytest.param(lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), id="utf8-bom-excel"),
        pytest.param(lambda text: text.encode("utf-8"), id="utf8-wps"),
        pytest.param(lambda text: text.replace(",", "\t").encode("utf-16"), id="utf16-unicode-text"),
    ],
)
def test_csv_as_chinese_offices_save_it_is_accepted(importer, encode):
    _csv_import_works(importer, encode(csv_text(importer.headers, [importer.good])), "名单.csv")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(lambda text: text.encode("utf-16-le"), "文件含有二进制内容", id="utf16-without-bom"),
        pytest.param(lambda text: bytes(range(256)) * 8, "文件含有二进制内容", id="binary-garbage"),
        pytest.param(lambda text: b"\x89PNG\r\n\x1a\n" + b"\x01\x02\xff\xfe" * 64, "", id="an-image"),
        pytest.param(
            lambda text: text.encode("utf-8") + b"\x80\x81\xff", "无法识别文件编码", id="broken-bytes"
        ),
        pytest.param(
            lambda text: text.encode("utf-8").replace(b",", b"\x07,"), "控制字符", id="control-chars"
        ),
    ],
)
def test_csv_in_other_encodings_or_binary_is_refused(importer, data, expected):
    [message] = importer.refuse(data(csv_text(importer.headers, [importer.good])), "乱码.csv")
    assert expected in message
    assert "CSV" in message or "编码" in message or "文本" in message


# --- sheets and headers -----------------------------------------------------------------------


def test_empty_files_and_empty_sheets_are_refused(importer):
    assert importer.refuse(b"", "空.xlsx") == importer.refuse(b"  \r\n", "空.xlsx")
    assert "文件是空的" in importer.refuse(b"", "空.xlsx")[0]
    [message] = importer.refuse(xlsx(None, []), "空表.xlsx")
    assert "工作表是空的" in message
    messages = importer.refuse(xlsx(importer.headers, []), "只有表头.xlsx")
    assert any("没有" in m for m in messages), messages


def test_missing_and_duplicated_headers_are_named(importer):
    headers = [h for h in importer.headers if h != importer.name_column]
    row = [v for h, v in zip(importer.headers, importer.good, strict=True) if h != importer.name_column]
    messages = importer.refuse(xlsx(headers, [row]), "缺列.xlsx")
    assert any(f"缺少“{importer.name_column}”列" in m for m in messages), messages
    doubled = [*importer.headers, importer.name_column]
    [message] = importer.refuse(xlsx(doubled, [[*importer.good, "又一个"]]), "重复.xlsx")
    assert f"列名“{importer.name_column}”重复" in message and "请只保留一列" in message
    second = chr(ord("A") + len(importer.headers))
    expected = "第 1 行，姓名（H 列）：" if importer.kind == "roster" else "重复.xlsx 第1行 “题干”列："
    assert message.startswith(expected) and f"和 {second} 列" in message


def test_merged_cells_are_refused(importer):
    second = _with(importer.good, importer, importer.name_column, "第二条")
    if importer.kind == "roster":
        second = _with(second, importer, "身份证号", id_number())
    data = xlsx(importer.headers, [importer.good, second], setup=lambda wb, ws: ws.merge_cells("A2:A3"))
    [message] = importer.refuse(data, "合并.xlsx")
    assert "合并单元格（A2:A3）" in message and "取消合并" in message


def test_a_hidden_data_sheet_is_refused_and_hidden_extras_are_ignored(importer):
    def hide_data(workbook, sheet):
        workbook.create_sheet("封面").append(["本表无数据"])
        workbook.active = 1
        sheet.sheet_state = "hidden"

    [message] = importer.refuse(xlsx(importer.headers, [importer.good], setup=hide_data), "隐藏.xlsx")
    assert "工作表“数据”是隐藏的" in message

    def hidden_extra(workbook, sheet):
        extra = workbook.create_sheet("隐藏的表")
        extra.append(list(importer.headers))
        extra.append(_with(importer.good, importer, importer.name_column, "=cmd|' /C calc'!A0"))
        extra.sheet_state = "veryHidden"

    before = importer.counts()
    importer.run(xlsx(importer.headers, [importer.good], setup=hidden_extra), "正常.xlsx")
    assert importer.counts() != before  # the visible sheet imported; the hidden one never read


# --- generated garbage ------------------------------------------------------------------------


def test_generated_garbage_is_always_refused_cleanly(importer):
    valid = xlsx(importer.headers, [importer.good])
    text = csv_text(importer.headers, [importer.good]).encode("utf-8")
    seen = {"cases": 0}

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        data=st.one_of(
            st.binary(max_size=2048),
            # a valid workbook or CSV with bytes flipped or cut: the parsers' hardest inputs
            st.tuples(
                st.sampled_from([valid, text]), st.integers(0, 4000), st.binary(min_size=1, max_size=64)
            ).map(lambda t: t[0][: t[1] % len(t[0])] + t[2] + t[0][t[1] % len(t[0]) + len(t[2]) :]),
        )
    )
    def run(data):
        seen["cases"] += 1
        before = importer.counts()
        try:
            importer.run(data, "随机.xlsx")
        except importer.error as error:
            assert error.issues and all(str(i) for i in error.issues)
            assert importer.counts() == before
        # a flipped byte inside a cell may still leave a valid file: that is fine, it imported whole

    run()
    assert seen["cases"] == 60


def test_every_refusal_leaves_the_questions_and_people_as_they_were(tree):
    """One more time across both importers at once: the database is as before, to the row."""
    bank = factories.bank(area=factories.areas()["employment"], questions=2)
    staff = Staff.objects.count()
    per_bank = dict(Question.objects.values_list("bank").annotate(n=Count("pk")))
    for data in (b"", b"PK\x03\x04", BILLION_LAUGHS, b"=cmd|' /C calc'!A0"):
        with pytest.raises(RosterInvalid):
            roster_import(data=data, filename="x.xlsx")
        with pytest.raises(ImportFailed):
            questions_import(bank=bank, data=data, filename="x.xlsx")
    assert Staff.objects.count() == staff
    assert dict(Question.objects.values_list("bank").annotate(n=Count("pk"))) == per_bank


# --- through the admin page and the command ---------------------------------------------------


def test_admin_upload_names_the_file_and_imports_a_gbk_csv(client, people, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["admin"].user)
    good = [tree["east_comm"].code, "张晓明", id_number(), "13800138000", "", "专职", ""]
    bad = _with(good, Importer("roster", ROSTER_HEADERS, "姓名", good), "姓名", "=cmd|' /C calc'!A0")
    before = Staff.objects.count()
    upload = SimpleUploadedFile("东湖花名册.csv", csv_text(ROSTER_HEADERS, [bad]).encode("gbk"))
    page = client.post("/admin/org/roster/", {"file": upload}).text
    assert "东湖花名册.csv 未导入任何数据：1 处问题" in page
    assert "第 2 行，姓名（B 列）：内容“=cmd|&#x27; /C calc&#x27;!A0”以“=”开头" in page
    assert Staff.objects.count() == before
    upload = SimpleUploadedFile("东湖花名册.csv", csv_text(ROSTER_HEADERS, [good]).encode("gbk"))
    page = client.post("/admin/org/roster/", {"file": upload}).text
    assert "东湖花名册.csv" in page and Staff.objects.get(name="张晓明").phone == "13800138000"


def test_an_id_number_that_excel_wrote_as_1e17_in_a_csv_gets_the_hint(tree):
    row = [tree["east_comm"].code, "张三", "3.60102E+17", "13800138000", "", "专职", ""]
    before = Staff.objects.count()
    with pytest.raises(RosterInvalid) as caught:
        roster_import(data=csv_text(ROSTER_HEADERS, [row]).encode("gbk"), filename="名单.csv")
    [issue] = [str(i) for i in caught.value.issues]
    assert issue.startswith("第 2 行，身份证号（C 列）：") and "文本格式" in issue
    assert Staff.objects.count() == before


def test_a_csv_cell_of_200_000_characters_and_a_multiline_cell_keep_excel_row_numbers(importer):
    rows = [_with(importer.good, importer, importer.name_column, "第一行\n第二行"), importer.good]
    rows[1] = _with(rows[1], importer, importer.name_column, "长" * 200_000)
    messages = importer.refuse(csv_text(importer.headers, rows).encode("utf-8"), "长.csv")
    # record 3 (Excel's row 3), though the multi-line cell above pushed it to line 4 of the file
    assert any("3" in m.split("：")[0] and "单元格内容过长" in m for m in messages), messages
