"""Roster import (花名册导入): checks, all-or-nothing, re-import, transfers, the command, queries."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest
from openpyxl import load_workbook

from training.org.choices import Employment, Role
from training.org.models import AuditEvent, RoleAssignment, Staff, StaffTransfer
from training.org.roster import (
    HEADERS,
    RosterInvalid,
    id_check_digit,
    id_number_problems,
    roster_import,
    roster_template,
)
from training.org.roster import parse as roster_parse

from .conftest import id_number, roster_bytes

pytestmark = pytest.mark.django_db
User = get_user_model()


def counts():
    return (
        Staff.objects.count(),
        User.objects.count(),
        StaffTransfer.objects.count(),
        AuditEvent.objects.filter(action="roster.import").count(),
    )


def errors_of(data: bytes, filename: str = "花名册.xlsx") -> list[str]:
    before = counts()
    with pytest.raises(RosterInvalid) as caught:
        roster_import(data=data, filename=filename)
    assert counts() == before, "a roster with a problem must import nothing"
    return [str(issue) for issue in caught.value.issues]


def run_command(tmp_path, data: bytes):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_roster", str(path), stdout=out, stderr=err)
    assert counts() == before
    assert caught.value.returncode == 1
    return caught.value, err.getvalue()


# --- the ID number --------------------------------------------------------------------------


def test_id_check_digit_follows_gb_11643():
    # The standard's own worked example: 11010519491231002X.
    assert id_check_digit("11010519491231002") == "X"
    assert id_number_problems("11010519491231002X") == []
    assert id_number_problems("110105194912310021") == ["校验位错误，应为 X"]


def test_id_number_problems_name_length_digits_and_birth_date():
    assert id_number_problems("1101051949123100") == ["应为 18 位（当前 16 位）"]
    assert id_number_problems("11010519491231A02X") == ["前 17 位须为数字"]
    first17 = "11010519490231002"  # 31 February
    assert id_number_problems(first17 + id_check_digit(first17)) == ["出生日期 19490231 不是有效日期"]
    future = (datetime.date.today() + datetime.timedelta(days=400)).strftime("%Y%m%d")
    first17 = f"110105{future}002"
    assert id_number_problems(first17 + id_check_digit(first17)) == [f"出生日期 {future} 不在合理范围内"]


# --- a good roster --------------------------------------------------------------------------


def test_good_roster_imports_people_by_code_and_by_path(tree):
    a, b, c = id_number(), id_number(), id_number()
    data = roster_bytes(
        [
            [tree["east_comm"].code, "欧阳娜娜", a, "13800138000", "社保经办员", "专职", "employment"],
            ["江川市/东湖区/东湖街道/湖滨社区", "王小二", b, "139 0013 9000", "", "兼职", "城乡居民养老保险"],
            [
                " 江川市 ／ 西城区 / 南岭镇 ",
                "李晓",
                c.lower().replace("x", "X"),
                "13700137000",
                "站长",
                "专职",
                "",
            ],
        ]
    )
    summary = roster_import(data=data, filename="东湖区花名册.xlsx", actor=None)
    assert (summary.created, summary.updated, summary.transferred, summary.unchanged) == (3, 0, 0, 0)

    nana = Staff.objects.select_related("user", "speciality", "org_unit").get(id_number=a)
    assert nana.name == "欧阳娜娜" and nana.org_unit == tree["east_comm"]
    assert nana.phone == "13800138000" and nana.post == "社保经办员"
    assert nana.employment == Employment.FULL_TIME and nana.speciality.code == "employment"
    assert nana.user.username == "u1"  # no staff number column: the next sequence number
    assert not nana.user.has_usable_password()
    assert RoleAssignment.objects.filter(user=nana.user, role=Role.LEARNER).exists()

    wang = Staff.objects.get(id_number=b)
    assert wang.org_unit == tree["east_comm"] and wang.phone == "13900139000"
    assert wang.employment == Employment.PART_TIME and wang.speciality.code == "pension"
    assert Staff.objects.get(id_number=c).org_unit == tree["west_street"]

    event = AuditEvent.objects.get(action="roster.import")
    assert event.target == "东湖区花名册.xlsx"
    assert event.details == {
        "file": "东湖区花名册.xlsx",
        "rows": 3,
        "created": 3,
        "updated": 0,
        "transferred": 0,
        "unchanged": 0,
    }


def test_reimport_updates_by_id_number_and_records_the_transfer(tree, people):
    a, b = id_number(), id_number()
    first = roster_bytes(
        [
            [tree["east_comm"].code, "欧阳娜娜", a, "13800138000", "经办员", "专职", ""],
            [tree["east_comm"].code, "王小二", b, "13900139000", "", "兼职", ""],
        ]
    )
    roster_import(data=first, filename="一月.xlsx", actor=people["admin"].user)
    staff_before, users_before = Staff.objects.count(), User.objects.count()

    second = roster_bytes(
        [
            ["江川市/西城区/南岭镇/石桥村", "欧阳娜娜", a, "13800138000", "经办员", "专职", ""],  # moved
            [tree["east_comm"].code, "王小二", b, "13900139001", "", "兼职", "unemployment"],  # updated
        ]
    )
    summary = roster_import(data=second, filename="二月.xlsx", actor=people["admin"].user)
    assert (summary.created, summary.updated, summary.transferred, summary.unchanged) == (0, 1, 1, 0)
    assert (Staff.objects.count(), User.objects.count()) == (staff_before, users_before)

    nana = Staff.objects.get(id_number=a)
    assert nana.org_unit == tree["west_comm"]
    transfer = StaffTransfer.objects.get(staff=nana)
    assert transfer.from_unit == tree["east_comm"] and transfer.to_unit == tree["west_comm"]
    assert transfer.from_unit_label == "江川市/东湖区/东湖街道/湖滨社区"
    assert transfer.to_unit_label == "江川市/西城区/南岭镇/石桥村"
    event = AuditEvent.objects.filter(action="roster.import").first()
    assert transfer.source == f"roster import #{event.pk}" and transfer.actor == people["admin"].user
    assert transfer.on == timezone.localdate()
    assert Staff.objects.get(id_number=b).phone == "13900139001"

    third = roster_import(data=second, filename="二月.xlsx")
    assert (third.created, third.updated, third.transferred, third.unchanged) == (0, 0, 0, 2)
    assert StaffTransfer.objects.count() == 1


def test_new_login_name_skips_a_sequence_name_made_by_hand(tree):
    a = id_number()
    User.objects.create(username="u1")
    roster_import(
        data=roster_bytes([[tree["east_comm"].code, "赵钱", a, "13800138000", "", "专职", ""]]),
        filename="x.xlsx",
    )
    assert Staff.objects.get(id_number=a).user.username == "u2"


def test_formula_like_cells_are_refused(tree):
    a = id_number()
    data = roster_bytes([[tree["east_comm"].code, "+张三", a, "13800138000", "@岗位", "专职", ""]])
    assert errors_of(data) == [
        "第 2 行，姓名（B 列）：内容“+张三”以“+”开头，可能被表格软件当作公式执行（公式注入），已拒绝；请删去开头的符号后再导入",
        "第 2 行，岗位（E 列）：内容“@岗位”以“@”开头，可能被表格软件当作公式执行（公式注入），已拒绝；请删去开头的符号后再导入",
    ]
    assert not Staff.objects.filter(id_number=a).exists()


# --- malformed rosters: every problem, by row and column, nothing imported ------------------


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_imported(tree, tmp_path):
    good = id_number()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    bad_birth17 = "36010219900231001"
    rows = [
        [tree["east_comm"].code, "甲", good, "13800138000", "", "专职", ""],  # row 2: fine
        ["江川市/东湖区/无此街道", "乙", id_number(), "13800138001", "", "专职", ""],  # 3 unit
        ["nosuchcode", "丙", bad_check, "12345", "", "临时工", "无此领域"],  # 4 many
        [tree["east_comm"].code, "丁", good, "13800138002", "", "兼职", ""],  # 5 duplicate id
        [tree["east_comm"].code, "", "", "", "", "", ""],  # 6 missing cells (not blank: unit set)
        [
            tree["east_comm"].code,
            "戊",
            bad_birth17 + id_check_digit(bad_birth17),
            "13800138003",
            "",
            "专职",
            "",
        ],
        [tree["east_comm"].code, "己", "3601021990", "13800138004", "", "专职", ""],  # 8 short id
    ]
    issues = errors_of(roster_bytes(rows))
    expected_check = good[17]
    assert issues == [
        "第 3 行，机构（A 列）：未找到机构“江川市/东湖区/无此街道”：请填写机构编码，或从根开始的完整路径"
        "（如 江川市/东湖区/东湖街道/湖滨社区）",
        "第 4 行，机构（A 列）：未找到机构“nosuchcode”：请填写机构编码，或从根开始的完整路径"
        "（如 江川市/东湖区/东湖街道/湖滨社区）",
        f"第 4 行，身份证号（C 列）：校验位错误，应为 {expected_check}",
        "第 4 行，手机号（D 列）：“12345”无效，应为以 1 开头的 11 位数字",
        "第 4 行，用工性质（F 列）：“临时工”无效，应为 专职 或 兼职",
        "第 4 行，主攻领域（G 列）：未知的业务领域“无此领域”：请填写领域编码或中文名称，或留空",
        "第 5 行，身份证号（C 列）：与第 2 行重复",
        "第 6 行，姓名（B 列）：不能为空",
        "第 6 行，身份证号（C 列）：不能为空",
        "第 6 行，手机号（D 列）：不能为空",
        "第 6 行，用工性质（F 列）：不能为空",
        "第 7 行，身份证号（C 列）：出生日期 19900231 不是有效日期",
        "第 8 行，身份证号（C 列）：应为 18 位（当前 10 位）",
    ]
    error, stderr = run_command(tmp_path, roster_bytes(rows))
    assert stderr.splitlines() == issues
    assert "13" in str(error)


def _unit(tree):
    return tree["east_comm"].code


MALFORMED = {
    "checksum": (
        lambda t: [[_unit(t), "张三", id_number(7)[:17] + "0", "13800138000", "", "专职", ""]],
        "第 2 行，身份证号（C 列）：校验位错误，应为 ",
    ),
    "birth_date": (
        lambda t: [
            [
                _unit(t),
                "张三",
                "36010219901301001" + id_check_digit("36010219901301001"),
                "13800138000",
                "",
                "专职",
                "",
            ]
        ],
        "第 2 行，身份证号（C 列）：出生日期 19901301 不是有效日期",
    ),
    "unknown_unit": (
        lambda t: [["江川市/北区", "张三", id_number(), "13800138000", "", "专职", ""]],
        "第 2 行，机构（A 列）：未找到机构“江川市/北区”",
    ),
    "duplicate_id": (
        lambda t: [[_unit(t), "张三", id_number(9), "13800138000", "", "专职", ""]] * 2,
        "第 3 行，身份证号（C 列）：与第 2 行重复",
    ),
    "phone": (
        lambda t: [[_unit(t), "张三", id_number(), "23800138000", "", "专职", ""]],
        "第 2 行，手机号（D 列）：“23800138000”无效，应为以 1 开头的 11 位数字",
    ),
    "employment": (
        lambda t: [[_unit(t), "张三", id_number(), "13800138000", "", "合同工", ""]],
        "第 2 行，用工性质（F 列）：“合同工”无效，应为 专职 或 兼职",
    ),
    "area": (
        lambda t: [[_unit(t), "张三", id_number(), "13800138000", "", "专职", "医保"]],
        "第 2 行，主攻领域（G 列）：未知的业务领域“医保”",
    ),
    "missing_cell": (
        lambda t: [[_unit(t), "张三", id_number(), None, "", "专职", ""]],
        "第 2 行，手机号（D 列）：不能为空",
    ),
    "huge_cell": (
        lambda t: [[_unit(t), "张" * 5000, id_number(), "13800138000", "", "专职", ""]],
        "第 2 行，姓名（B 列）：单元格内容过长（5000 个字符，最多 200 个），已拒绝",
    ),
    "long_name": (
        lambda t: [[_unit(t), "张" * 41, id_number(), "13800138000", "", "专职", ""]],
        "第 2 行，姓名（B 列）：不能超过 40 个字（当前 41 个）",
    ),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_roster_is_refused_with_row_and_column(kind, tree, tmp_path):
    build, expected = MALFORMED[kind]
    rows = build(tree)
    issues = errors_of(roster_bytes(rows))
    assert len(issues) == 1 and issues[0].startswith(expected), issues
    _, stderr = run_command(tmp_path, roster_bytes(rows))
    assert stderr.strip().startswith(expected)


def test_header_with_missing_and_misnamed_columns_is_refused(tree, tmp_path):
    headers = ["机构", "姓名", "身份证", "手机号", "岗位", "用工性质"]  # 身份证号 misnamed, 主攻领域 missing
    data = roster_bytes([[_unit(tree), "张三", id_number(), "13800138000", "", "专职"]], headers=headers)
    assert errors_of(data) == [
        "第 1 行，身份证号：缺少“身份证号”列，表头须与导入模板一致（无法识别的列：C 列“身份证”）",
        "第 1 行，主攻领域：缺少“主攻领域”列，表头须与导入模板一致（无法识别的列：C 列“身份证”）",
    ]
    _, stderr = run_command(tmp_path, data)
    assert "缺少“身份证号”列" in stderr and "缺少“主攻领域”列" in stderr


def test_duplicate_header_is_refused(tree):
    data = roster_bytes([], headers=[*HEADERS, "姓名"])
    assert errors_of(data) == ["第 1 行，姓名（H 列）：列名“姓名”重复（B 列和 H 列），请只保留一列"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            "这是旧版 Excel（.xls）或 WPS（.et）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入",
        ),
        (b"", "文件是空的"),
        (b"PK\x03\x04broken", "文件不是有效的 Excel（.xlsx）文件，或文件已损坏"),
    ],
)
def test_a_file_that_is_not_xlsx_is_refused(data, message, tree, tmp_path):
    assert errors_of(data) == [message]
    _, stderr = run_command(tmp_path, data)
    assert stderr.strip() == message


def test_an_empty_sheet_and_a_header_without_rows_are_refused(tree, tmp_path):
    assert errors_of(roster_bytes([], headers=None)) == [
        "第 1 行：工作表是空的：第 1 行应为表头（机构、姓名、身份证号、手机号、岗位、用工性质、主攻领域、工号），请使用导入模板"
    ]
    assert errors_of(roster_bytes([])) == ["第 2 行：没有找到任何人员数据：从第 2 行起每行填写一人"]
    _, stderr = run_command(tmp_path, roster_bytes([]))
    assert "没有找到任何人员数据" in stderr


def test_too_many_rows_are_refused(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(roster_parse, "MAX_ROWS", 3)
    rows = [[_unit(tree), f"张{i}", id_number(), "13800138000", "", "专职", ""] for i in range(4)]
    assert errors_of(roster_bytes(rows)) == ["数据超过 3 行，请拆分后分批导入"]
    _, stderr = run_command(tmp_path, roster_bytes(rows))
    assert "数据超过 3 行" in stderr


def test_an_id_number_typed_as_a_number_gets_a_hint(tree):
    # Excel keeps 15 significant digits: an 18-digit number loses its tail.
    data = roster_bytes([[_unit(tree), "张三", 360102199003070000, "13800138000", "", "专职", ""]])
    (issue,) = errors_of(data)
    assert issue.startswith("第 2 行，身份证号（C 列）：校验位错误") and "文本格式" in issue


# --- the command ----------------------------------------------------------------------------


def test_command_imports_and_reports_the_summary(tree, people, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster_bytes([[_unit(tree), "张三", id_number(), "13800138000", "", "专职", ""]]))
    out = io.StringIO()
    call_command("import_roster", str(path), "--actor", people["admin"].user.username, stdout=out)
    assert "新增 1" in out.getvalue()
    assert AuditEvent.objects.get(action="roster.import").actor == people["admin"].user


def test_command_exits_non_zero_on_an_invalid_file(tree, tmp_path, capsys, monkeypatch):
    from django.core.management import execute_from_command_line
    from django.db import connections

    # run_from_argv closes the connections when done, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    path = tmp_path / "bad.xlsx"
    path.write_bytes(roster_bytes([[_unit(tree), "张三", "123", "13800138000", "", "专职", ""]]))
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["manage.py", "import_roster", str(path)])
    assert caught.value.code == 1
    assert "第 2 行，身份证号（C 列）：应为 18 位（当前 3 位）" in capsys.readouterr().err
    assert not Staff.objects.filter(name="张三").exists()


# --- queries and the template ---------------------------------------------------------------


def _rows(tree, n, start):
    units = [tree["east_comm"].code, "江川市/西城区/南岭镇/石桥村"]
    return [
        [units[i % 2], f"张{i}", id_number(start + i), f"138{i:08d}", "经办员", "专职", "employment"]
        for i in range(n)
    ]


def test_import_queries_do_not_grow_with_rows(tree):
    def queries(rows):
        with CaptureQueriesContext(connection) as ctx:
            roster_import(data=roster_bytes(rows), filename="x.xlsx")
        return len(ctx.captured_queries)

    queries(_rows(tree, 1, 500))  # the first import of a database also creates the login-name counter
    small_new, big_new = queries(_rows(tree, 10, 1000)), queries(_rows(tree, 100, 2000))
    # Constant, except that the backend may split a bulk INSERT into batches (SQLite: at most 999
    # parameters a statement, so ~99 users or staff per INSERT; PostgreSQL: one INSERT).
    batches = 0
    for model in (User, Staff, RoleAssignment):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        size = connection.ops.bulk_batch_size(fields, [None] * 100) or 100
        batches += -(-100 // size) - -(-10 // size)
    assert big_new == small_new + batches
    assert batches <= 3
    moved = [[tree["west_comm"].code, *row[1:]] for row in _rows(tree, 10, 1000)]
    moved_big = [[tree["west_comm"].code, *row[1:]] for row in _rows(tree, 100, 2000)]
    assert queries(moved) == queries(moved_big)


def test_template_has_the_chinese_headers():
    workbook = load_workbook(io.BytesIO(roster_template()))
    sheet = workbook["花名册"]
    assert [c.value for c in sheet[1]] == [
        "机构",
        "姓名",
        "身份证号",
        "手机号",
        "岗位",
        "用工性质",
        "主攻领域",
        "工号",
    ]
    assert "说明" in workbook.sheetnames
