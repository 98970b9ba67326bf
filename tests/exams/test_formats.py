"""Question-bank formats (exams.formats): parsing real-looking Chinese banks, round trips, and the
exact issue every kind of broken or hostile file produces. Plain functions, no database."""

from __future__ import annotations

import dataclasses
import io
import random
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from exams import formats
from exams.formats import aiken, gift, moodlexml, xlsx
from exams.formats.model import (
    ImportFailed,
    ImportIssue,
    Option,
    ParsedQuestion,
    html_to_text,
    text_to_html,
    true_false,
    validate,
)


def _plain(questions: list[ParsedQuestion]) -> list[ParsedQuestion]:
    """The questions with source_line cleared, for comparing a round trip."""
    return [dataclasses.replace(q, source_line=0) for q in questions]


def _issues(excinfo: pytest.ExceptionInfo[ImportFailed]) -> list[str]:
    return [str(issue) for issue in excinfo.value.issues]


def _single(stem: str, *options: str, right: int = 0, **extra: object) -> ParsedQuestion:
    return ParsedQuestion(
        qtype="single",
        stem=stem,
        options=[Option(text, correct=i == right) for i, text in enumerate(options)],
        **extra,  # type: ignore[arg-type]
    )


# A bank with every question type and the fields each format can carry.
FULL_BANK = [
    ParsedQuestion(
        qtype="single",
        stem="失业保险累计缴费满10年以上的，领取失业保险金的期限最长为多少个月？",
        options=[Option("12个月"), Option("18个月"), Option("24个月", correct=True), Option("36个月")],
        explanation="依据《失业保险条例》第十七条。",
        difficulty=1,
        tags=["失业保险", "待遇期限"],
        title="领取期限",
    ),
    ParsedQuestion(
        qtype="multiple",
        stem="申领失业保险金须同时满足哪些条件？\n（多选）",
        options=[
            Option("已缴费满1年", correct=True),
            Option("非因本人意愿中断就业", correct=True),
            Option("已办理退休手续"),
        ],
        explanation="第十四条：三项条件须同时具备。",
        difficulty=2,
        tags=["申领条件"],
        title="申领条件",
    ),
    ParsedQuestion(
        qtype="multiple",
        stem="下列哪些属于失业保险基金的支出项目？",
        options=[
            Option("失业保险金", correct=True, weight=50.0),
            Option("领取失业保险金期间的医疗补助金", correct=True, weight=50.0),
            Option("单位日常办公经费", weight=-100.0),
        ],
        difficulty=3,
    ),
    ParsedQuestion(
        qtype="true_false", stem="失业保险金按月发放。", options=true_false(True), explanation="第十八条。"
    ),
    ParsedQuestion(
        qtype="true_false", stem="失业保险金的标准可以高于当地最低工资标准。", options=true_false(False)
    ),
    ParsedQuestion(
        qtype="fill_blank",
        stem="失业保险金由_____按月发放。",
        answers=["社会保险经办机构", "社保经办机构"],
        tags=["经办"],
    ),
    ParsedQuestion(
        qtype="essay", stem="简述失业保险金的申领流程。", explanation="参考答案：登记、申请、审核、发放。"
    ),
]


def _without(questions: list[ParsedQuestion], *fields: str) -> list[ParsedQuestion]:
    """What a format that cannot carry ``fields`` gives back: those fields at their defaults."""
    defaults = {"difficulty": 1, "title": "", "explanation": "", "tags": []}
    result = []
    for q in questions:
        q = dataclasses.replace(q, **{f: defaults[f] for f in fields if f in defaults})
        if "weight" in fields:
            q.options = [dataclasses.replace(o, weight=None) for o in q.options]
        result.append(q)
    return result


# ---------------------------------------------------------------------------------------- model


def test_issue_reads_as_file_line_column_and_message():
    assert (
        str(ImportIssue("bank.xlsx", 17, "答案", "答案“E”不在选项中"))
        == "bank.xlsx 第17行 “答案”列：答案“E”不在选项中"
    )
    assert str(ImportIssue("bank.gift", 3, None, "题干不能为空")) == "bank.gift 第3行：题干不能为空"
    assert str(ImportIssue("bank.xlsx", None, None, "文件损坏")) == "bank.xlsx：文件损坏"


def test_import_failed_lists_issues_in_file_order():
    failed = ImportFailed([ImportIssue("a", 9, None, "后"), ImportIssue("a", 2, None, "前")])
    assert [i.line for i in failed.issues] == [2, 9]
    assert str(failed) == "a 第2行：前\na 第9行：后"


def test_validate_reports_every_rule():
    questions = [
        ParsedQuestion("single", "单选两个答案", [Option("甲", True), Option("乙", True)], source_line=1),
        ParsedQuestion("multiple", "多选没有答案", [Option("甲"), Option("乙")], source_line=2),
        ParsedQuestion("single", "只有一个选项", [Option("甲", True)], source_line=3),
        ParsedQuestion("fill_blank", "填空没有答案", answers=[" "], source_line=4),
        ParsedQuestion("essay", "   ", source_line=5),
        ParsedQuestion("essay", "难度越界", difficulty=4, source_line=6),
        ParsedQuestion("essay", "长" * 2001, source_line=7),
        ParsedQuestion("single", "选项太长", [Option("甲" * 501, True), Option("乙")], source_line=8),
        ParsedQuestion("essay", "单选两个答案", source_line=9),
        ParsedQuestion("true_false", "判断没有答案", [Option("正确"), Option("错误")], source_line=10),
        ParsedQuestion("matching", "题型不支持", source_line=11),
    ]
    assert [str(i) for i in validate(questions, filename="f")] == [
        "f 第1行：单选题必须有且只有一个正确答案（当前 2 个）",
        "f 第2行：多选题至少需要一个正确答案",
        "f 第3行：单选题至少需要 2 个选项（当前 1 个）",
        "f 第4行：填空题至少需要一个参考答案",
        "f 第5行：题干不能为空",
        "f 第6行：难度“4”无效，应为 1、2、3（易、中、难）",
        "f 第7行：题干超过 2000 个字符（当前 2001 个）",
        "f 第8行：选项A超过 500 个字符（当前 501 个）",
        "f 第9行：题干与第1行的题目重复",
        "f 第10行：判断题的答案必须是“正确”或“错误”之一",
        "f 第11行：题型“matching”无效",
    ]


def test_validate_checks_weights_against_correct_flags_and_sum():
    questions = [
        ParsedQuestion(
            "multiple",
            "分值与正确不一致",
            [Option("甲", True, -50.0), Option("乙", True, 100.0)],
            source_line=1,
        ),
        ParsedQuestion(
            "multiple", "分值和不是100", [Option("甲", True, 40.0), Option("乙", True, 40.0)], source_line=2
        ),
    ]
    assert [str(i) for i in validate(questions, filename="f")] == [
        "f 第1行：选项A的分值 -50% 与是否正确不一致",
        "f 第2行：多选题正确选项的分值之和应为 100%（当前 80%）",
    ]


@pytest.mark.parametrize(
    "text",
    ["失业保险", "工资 < 1000 & 年限 > 1", "第一行\n第二行", "两个  空格", "a\n\nb"],
)
def test_html_written_by_dumps_reads_back_as_the_same_text(text):
    assert html_to_text(text_to_html(text)) == text


def test_html_from_moodle_becomes_plain_text():
    markup = '<p dir="ltr">失业保险金&nbsp;<b>按月</b>发放</p>\n<p>第二段<br>换行</p><script>x()</script>'
    assert html_to_text(markup) == "失业保险金 按月发放\n第二段\n换行"


def test_registry_dispatches_and_rejects_unknown_formats():
    assert set(formats.FORMATS) == {"xlsx", "csv", "gift", "aiken", "moodlexml"}
    text = formats.dump("aiken", [_single("问题？", "甲", "乙")])
    assert isinstance(text, str)
    assert _plain(formats.parse("aiken", text, filename="a.txt")) == [_single("问题？", "甲", "乙")]
    with pytest.raises(ValueError, match="unknown question format"):
        formats.parse("xls", b"", filename="a.xls")


# ----------------------------------------------------------------------------------------- xlsx


def _xlsx(rows: list[dict[str, object]], header: tuple[str, ...] = xlsx.HEADERS) -> bytes:
    """An .xlsx with ``header`` and one row per dict; "=" text is stored as text, not a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(header, start=1):
            cell = sheet.cell(row=r, column=c, value=row.get(name))
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _choice_row(**cells: object) -> dict[str, object]:
    row: dict[str, object] = {
        "题型": "单选题",
        "题干": "失业保险金按什么周期发放？",
        "选项A": "按月",
        "选项B": "按季度",
        "选项C": "按年",
        "答案": "A",
    }
    row.update(cells)
    return row


def test_xlsx_parses_a_chinese_bank_with_every_type():
    rows = [
        {
            "题型": "单选题",
            "题干": "领取失业保险金的期限最长为多少个月？",
            "选项A": "12个月",
            "选项B": "18个月",
            "选项C": "24个月",
            "选项D": "36个月",
            "答案": "C",
            "解析": "第十七条",
            "难度": "易",
            "标签": "失业保险，待遇",
        },
        {
            "题型": "多选题",
            "题干": "申领失业保险金的条件有哪些？",
            "选项A": "缴费满1年",
            "选项B": "非因本人意愿中断就业",
            "选项C": "已办理退休",
            "选项D": "已进行失业登记",
            "答案": "A,B，D",
            "难度": "中",
            "标签": "申领, 条件",
        },
        {"题型": "判断题", "题干": "失业保险金按月发放。", "答案": "√", "难度": 3},
        {"题型": "判断题", "题干": "失业人员可同时领取失业保险金和基本养老金。", "答案": "错"},
        {"题型": "判断题", "题干": "失业保险费由单位和个人共同缴纳。", "答案": "t"},
        {
            "题型": "填空题",
            "题干": "失业保险金由_____按月发放。",
            "答案": "社会保险经办机构 | 社保经办机构",
            "难度": "2",
        },
        {"题型": "填空题", "题干": "缴费满_____年可领取失业保险金。", "答案": 1},
        {"题型": "简答题", "题干": "简述失业保险金的申领流程。", "解析": "参考答案：登记、申请、审核。"},
    ]
    questions = xlsx.parse(_xlsx(rows), filename="bank.xlsx")
    assert [q.qtype for q in questions] == [
        "single",
        "multiple",
        "true_false",
        "true_false",
        "true_false",
        "fill_blank",
        "fill_blank",
        "essay",
    ]
    assert [q.source_line for q in questions] == [2, 3, 4, 5, 6, 7, 8, 9]
    single, multiple, tf_yes, tf_no, tf_t, blank, number, essay = questions
    assert [o.text for o in single.options] == ["12个月", "18个月", "24个月", "36个月"]
    assert [o.correct for o in single.options] == [False, False, True, False]
    assert single.explanation == "第十七条" and single.tags == ["失业保险", "待遇"] and single.difficulty == 1
    assert [o.correct for o in multiple.options] == [True, True, False, True]
    assert multiple.tags == ["申领", "条件"] and multiple.difficulty == 2
    assert tf_yes.options == true_false(True) and tf_yes.difficulty == 3
    assert tf_no.options == true_false(False)
    assert tf_t.options == true_false(True)
    assert blank.answers == ["社会保险经办机构", "社保经办机构"] and blank.difficulty == 2
    assert number.answers == ["1"]
    assert essay.answers == [] and essay.explanation == "参考答案：登记、申请、审核。"


def test_xlsx_accepts_columns_in_any_order_without_unused_options():
    header = ("题干", "题型", "选项A", "选项B", "答案", "解析", "难度", "标签")
    data = _xlsx([{"题型": "单选题", "题干": "问题？", "选项A": "甲", "选项B": "乙", "答案": "b"}], header)
    [question] = xlsx.parse(data, filename="bank.xlsx")
    assert [o.correct for o in question.options] == [False, True]


def test_xlsx_round_trip_keeps_everything_but_title_and_weights():
    data = xlsx.dump(FULL_BANK)
    assert isinstance(data, bytes)
    assert _plain(xlsx.parse(data, filename="bank.xlsx")) == _without(FULL_BANK, "title", "weight")


def test_xlsx_dump_refuses_what_the_template_cannot_hold():
    nine = _single("九个选项？", *"甲乙丙丁戊己庚辛壬")
    with pytest.raises(ValueError, match="最多 8 个选项：第1题“九个选项？”"):
        xlsx.dump([nine])
    piped = ParsedQuestion("fill_blank", "竖线？", answers=["a|b"])
    with pytest.raises(ValueError, match="第1题“竖线？”的答案中不能含有“|”"):
        xlsx.dump([piped])


def test_xlsx_template_has_examples_a_guide_and_widths():
    data = xlsx.template()
    questions = xlsx.parse(data, filename="template.xlsx")
    assert [q.qtype for q in questions] == ["single", "multiple"]
    assert all("失业保险金" in q.stem for q in questions)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["题库", "说明"]
    bank = workbook["题库"]
    assert [c.value for c in bank[1]] == list(xlsx.HEADERS)
    assert bank.column_dimensions["B"].width == 50
    guide = workbook["说明"]
    assert [c.value for c in guide[1]] == ["列名", "是否必填", "填写说明", "示例"]
    assert {row[0] for row in guide.iter_rows(min_row=2, max_row=8, values_only=True)} >= {
        "题型",
        "答案",
        "难度",
    }
    assert guide.column_dimensions["C"].width == 70


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            _choice_row(题型="选择题"),
            "bank.xlsx 第2行 “题型”列：题型“选择题”无效，应为：单选题、多选题、判断题、填空题、简答题",
        ),
        (_choice_row(答案="E"), "bank.xlsx 第2行 “答案”列：答案“E”不在选项中"),
        (_choice_row(答案="AC"), "bank.xlsx 第2行 “答案”列：单选题必须有且只有一个正确答案（当前 2 个）"),
        (_choice_row(题干=None), "bank.xlsx 第2行 “题干”列：题干不能为空"),
        (_choice_row(难度="很难"), "bank.xlsx 第2行 “难度”列：难度“很难”无效，应为 易/中/难 或 1/2/3"),
        (_choice_row(答案=None), "bank.xlsx 第2行 “答案”列：答案不能为空"),
        (_choice_row(选项B=None), "bank.xlsx 第2行 “选项B”列：选项B为空，但后面还有选项"),
        (
            _choice_row(题型="判断题", 答案="可能"),
            "bank.xlsx 第2行 “答案”列：判断题答案“可能”无效，应为 正确/错误（或 对/错、√/×、T/F）",
        ),
        (_choice_row(题型="填空题", 答案=" | "), "bank.xlsx 第2行 “答案”列：填空题至少需要一个参考答案"),
        (
            _choice_row(题型="简答题"),
            "bank.xlsx 第2行 “答案”列：简答题的“答案”列应留空，参考答案请写在“解析”列",
        ),
        (_choice_row(选项A="长" * 501), "bank.xlsx 第2行 “选项A”列：选项A超过 500 个字符（当前 501 个）"),
        (
            _choice_row(题干="长" * 5001),
            "bank.xlsx 第2行 “题干”列：单元格内容过长（5001 个字符，最多 5000 个），已拒绝",
        ),
    ],
)
def test_xlsx_row_errors_name_row_and_column(row, expected):
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(_xlsx([row]), filename="bank.xlsx")
    assert _issues(excinfo) == [expected]


def test_xlsx_reports_every_error_in_the_file():
    rows = [
        _choice_row(题干="没问题的题"),
        _choice_row(题型="选择题", 题干="题型错"),
        _choice_row(题干="字母错", 答案="E"),
        {},  # empty rows are skipped but keep their row number
        _choice_row(题干="两个答案", 答案="A、C", 难度="很难"),
        _choice_row(题干=None),
        _choice_row(题干="没问题的题"),
    ]
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(_xlsx(rows), filename="bank.xlsx")
    assert _issues(excinfo) == [
        "bank.xlsx 第3行 “题型”列：题型“选择题”无效，应为：单选题、多选题、判断题、填空题、简答题",
        "bank.xlsx 第4行 “答案”列：答案“E”不在选项中",
        "bank.xlsx 第6行 “难度”列：难度“很难”无效，应为 易/中/难 或 1/2/3",
        "bank.xlsx 第6行 “答案”列：单选题必须有且只有一个正确答案（当前 2 个）",
        "bank.xlsx 第7行 “题干”列：题干不能为空",
        "bank.xlsx 第8行 “题干”列：题干与第2行的题目重复",
    ]


def test_xlsx_missing_header_column_is_named():
    header = tuple(h for h in xlsx.HEADERS if h != "答案")
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(_xlsx([_choice_row()], header), filename="bank.xlsx")
    assert _issues(excinfo) == ["bank.xlsx 第1行 “答案”列：缺少“答案”列，表头须与导入模板一致"]


def test_xlsx_renamed_header_column_is_reported_missing():
    header = tuple("题目" if h == "题干" else h for h in xlsx.HEADERS)
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(_xlsx([], header), filename="bank.xlsx")
    assert [(i.line, i.column) for i in excinfo.value.issues] == [(1, "题干")]


@pytest.mark.parametrize("data", [b"PK\x03\x04 definitely not a zip", "题型,题干\n单选题,问题", b"a,b\n"])
def test_xlsx_rejects_files_that_are_not_xlsx(data):
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(data, filename="bank.xlsx")
    assert _issues(excinfo)[0].startswith("bank.xlsx：文件不是有效的 Excel（.xlsx）文件")


def test_xlsx_rejects_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(buffer.getvalue(), filename="bank.xlsx")
    assert _issues(excinfo) == ["bank.xlsx：无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式"]


def test_xlsx_refuses_more_than_5000_rows():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(xlsx.HEADERS))
    for n in range(xlsx.MAX_ROWS + 1):
        sheet.append(["简答题", f"第{n}题"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(buffer.getvalue(), filename="bank.xlsx")
    assert _issues(excinfo) == ["bank.xlsx：数据超过 5000 行，请拆分后分批导入"]


def test_xlsx_refuses_a_zip_bomb_before_reading_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(51):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024  # tiny on disk, 51 MB declared
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(data, filename="bomb.xlsx")
    assert _issues(excinfo) == ["bomb.xlsx：文件解压后超过 50 MB 或压缩比异常，可能是恶意文件，已拒绝导入"]


def test_xlsx_formula_injection_is_kept_as_text_and_written_back_quoted():
    payload = "=cmd|' /C calc'!A0"
    rows = [_choice_row(题干=payload, 选项A="+1", 选项B="-1", 选项C="@SUM(A1)", 解析="'=已加引号")]
    [question] = xlsx.parse(_xlsx(rows), filename="bank.xlsx")
    assert question.stem == payload
    assert [o.text for o in question.options] == ["+1", "-1", "@SUM(A1)"]
    assert question.explanation == "=已加引号"  # exactly one leading quote is stripped

    dumped = xlsx.dump([question])
    sheet = load_workbook(io.BytesIO(dumped)).active
    stem_cell = sheet.cell(row=2, column=xlsx.HEADERS.index("题干") + 1)
    assert stem_cell.value == "'" + payload and stem_cell.data_type == "s"
    assert [sheet.cell(row=2, column=c).value for c in (3, 4, 5)] == ["'+1", "'-1", "'@SUM(A1)"]
    assert _plain(xlsx.parse(dumped, filename="bank.xlsx")) == _plain([question])


def test_xlsx_quote_prefix_round_trips_text_that_already_starts_with_quotes():
    question = _single("''=两个引号", "'-甲", "乙'")
    assert _plain(xlsx.parse(xlsx.dump([question]), filename="b.xlsx")) == [question]


def test_xlsx_damaged_sheet_is_an_issue_not_a_crash():
    source = zipfile.ZipFile(io.BytesIO(xlsx.dump(FULL_BANK)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            archive.writestr(info.filename, content)
    with pytest.raises(ImportFailed) as excinfo:
        xlsx.parse(buffer.getvalue(), filename="bank.xlsx")
    assert _issues(excinfo) == ["bank.xlsx：无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式"]


def test_xlsx_finds_the_bank_sheet_even_behind_the_guide():
    workbook = load_workbook(io.BytesIO(xlsx.template()))
    workbook.move_sheet("说明", offset=-1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(xlsx.parse(buffer.getvalue(), filename="template.xlsx")) == 2


# ----------------------------------------------------------------------------------------- GIFT

MOODLE_GIFT = r"""// question: 0  name: Switch category to $course$/top/默认/失业保险
$CATEGORY: $course$/top/默认/失业保险


// question: 101  name: 领取期限
// [tag:失业保险] [tag:待遇期限]
::领取期限::[html]<p>累计缴费满 10 年以上的，领取失业保险金的期限最长为多少个月？</p>{
	~<p>12 个月</p>
	~<p>18 个月</p>
	=<p>24 个月</p>#<p>正确！</p>
	~<p>36 个月</p>
	####<p>依据《失业保险条例》第十七条。</p>
}

// question: 102  name: 申领条件
::申领条件::[html]<p>申领失业保险金须<strong>同时</strong>满足哪些条件？</p>{
	~%33.33333%<p>已缴费满 1 年</p>
	~%33.33333%<p>非因本人意愿中断就业</p>
	~%33.33333%<p>已办理失业登记并有求职要求</p>
	~%-100%<p>已办理退休手续</p>#<p>退休人员不属于保障对象</p>
}

// question: 103  name: 按月发放
::按月发放::[html]<p>失业保险金按月发放。</p>{TRUE####<p>第十八条。</p>}

// question: 104  name: 比例
::比例::失业保险金标准\: 不得低于城市居民最低生活保障标准\{含\}。{F#不对#对}

// question: 105  name: 经办机构
::经办机构::[html]<p>失业保险金由哪类机构按月发放？</p>{
	=%100%社会保险经办机构#
	=%100%社保经办机构#
	=%50%社保局#部分正确
	####<p>依据第十八条。</p>
}

// question: 106  name: 申领流程
::申领流程::[html]<p>简述失业保险金的申领流程。</p>{####<p>登记 &amp; 申请</p>}

失业保险金由{=社会保险经办机构 =社保经办机构}按月发放。
"""


def test_gift_parses_a_moodle_export():
    questions = gift.parse(MOODLE_GIFT, filename="bank.gift")
    assert [(q.qtype, q.title, q.source_line) for q in questions] == [
        ("single", "领取期限", 7),
        ("multiple", "申领条件", 16),
        ("true_false", "按月发放", 24),
        ("true_false", "比例", 27),
        ("fill_blank", "经办机构", 30),
        ("essay", "申领流程", 38),
        ("fill_blank", "", 40),
    ]
    single, multiple, tf_true, tf_false, short, essay, missing_word = questions
    assert single.stem == "累计缴费满 10 年以上的，领取失业保险金的期限最长为多少个月？"
    assert [(o.text, o.correct, o.weight) for o in single.options] == [
        ("12 个月", False, None),
        ("18 个月", False, None),
        ("24 个月", True, None),
        ("36 个月", False, None),
    ]
    assert single.explanation == "依据《失业保险条例》第十七条。"
    assert single.tags == ["失业保险", "待遇期限"] and single.difficulty == 1
    assert multiple.stem == "申领失业保险金须同时满足哪些条件？"
    assert [(o.text, o.correct, o.weight) for o in multiple.options] == [
        ("已缴费满 1 年", True, 33.33333),
        ("非因本人意愿中断就业", True, 33.33333),
        ("已办理失业登记并有求职要求", True, 33.33333),
        ("已办理退休手续", False, -100.0),
    ]
    assert tf_true.options == true_false(True) and tf_true.explanation == "第十八条。"
    assert tf_false.stem == "失业保险金标准: 不得低于城市居民最低生活保障标准{含}。"
    assert tf_false.options == true_false(False)
    assert short.answers == ["社会保险经办机构", "社保经办机构"]  # the 50 % answer is not an accepted one
    assert short.explanation == "依据第十八条。"
    assert essay.explanation == "登记 & 申请"
    assert missing_word.stem == "失业保险金由_____按月发放。"
    assert missing_word.answers == ["社会保险经办机构", "社保经办机构"]


def test_gift_plain_single_choice_and_weights_that_match_the_default():
    text = "领取期限最长多少个月？{=24个月 ~12个月 ~18个月}\n\n哪些是条件？{~%50%缴费满1年 ~%50%已登记 ~%0%已退休}"
    single, multiple = gift.parse(text, filename="a.gift")
    assert [(o.text, o.correct, o.weight) for o in single.options] == [
        ("24个月", True, None),
        ("12个月", False, None),
        ("18个月", False, None),
    ]
    assert [(o.correct, o.weight) for o in multiple.options] == [(True, None), (True, None), (False, None)]


GIFT_EXTRAS = [
    ParsedQuestion(
        qtype="single",
        stem="特殊字符 {a} = ~b # c: \\d",
        options=[Option("[html]<b>不是HTML</b>", correct=True), Option("%50%不是分值"), Option("两个  空格")],
        title="标题: 含 :: 冒号",
        explanation="第一行\n第二行",
    ),
    ParsedQuestion(
        qtype="single",
        stem="[html]开头的题干",
        options=[Option("甲", correct=True, weight=100.0), Option("乙", weight=-50.0)],
    ),
    ParsedQuestion(qtype="fill_blank", stem="以%开头的答案？", answers=["%50%"]),
]


def test_gift_round_trip_keeps_everything_but_difficulty():
    bank = FULL_BANK + GIFT_EXTRAS
    text = gift.dump(bank)
    assert isinstance(text, str)
    assert _plain(gift.parse(text, filename="bank.gift")) == _without(bank, "difficulty")


def test_gift_unbalanced_braces_name_the_line():
    text = "// 注释\n::好题::正常的题{T}\n\n::坏题::\n缺少右括号的题{=答案\n~错误答案\n\n::多余::多余的右括号} 题{T}\n"
    with pytest.raises(ImportFailed) as excinfo:
        gift.parse(text, filename="bank.gift")
    assert _issues(excinfo) == [
        "bank.gift 第5行：大括号不匹配：“{”没有对应的“}”（答案部分不能有空行）",
        "bank.gift 第8行：大括号不匹配：多余的“}”，缺少对应的“{”",
    ]


def test_gift_reports_every_error_with_line_numbers():
    text = (
        "正常{T}\n\n"
        "没有答案部分的题\n\n"
        "::无结尾标题 题{T}\n\n"
        "数值题{#1822:5}\n\n"
        "匹配题{=中国->北京 =日本->东京}\n\n"
        "分值错{~%abc%甲 ~乙}\n\n"
        "单选两对{=甲 =乙 ~丙}\n\n"
        "题一{T}\n题二{F}\n\n"
        "正常{F}\n"
    )
    with pytest.raises(ImportFailed) as excinfo:
        gift.parse(text, filename="bank.gift")
    assert _issues(excinfo) == [
        "bank.gift 第3行：未找到答案部分“{…}”（GIFT 的每道题都需要用大括号写出答案）",
        "bank.gift 第5行：题目名称缺少结尾的“::”",
        "bank.gift 第7行：暂不支持数值题（{#…}），请改为填空题",
        "bank.gift 第9行：暂不支持匹配题（{=…->…}）",
        "bank.gift 第11行：选项分值“abc”无效，应写成 %50% 这样的百分数",
        "bank.gift 第13行：单选题必须有且只有一个正确答案（当前 2 个）",
        "bank.gift 第16行：同一段中出现多个答案部分“{…}”，题目之间请用空行分隔",
        "bank.gift 第18行：题干与第1行的题目重复",
    ]


def test_gift_gbk_file_is_decoded():
    text = "// 国标码文件\n::期限::失业保险金最长领取多少个月？{=24个月 ~12个月}\n"
    [question] = gift.parse(text.encode("gbk"), filename="bank.gift")
    assert question.stem == "失业保险金最长领取多少个月？" and question.options[0].text == "24个月"


def test_gift_utf8_bom_and_crlf_are_accepted():
    data = "\ufeff问题一{T}\r\n\r\n问题二{F}\r\n".encode()
    assert [q.source_line for q in gift.parse(data, filename="bank.gift")] == [1, 3]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xfe\xff\xff", "bank.gift：无法识别文件编码，请将文件另存为 UTF-8 编码后重新上传"),
        (b"PK\x03\x04\x00\x00", "bank.gift：文件不是文本文件，请检查选择的导入格式"),
        (b"   \n\n// only a comment\n", "bank.gift：文件中没有找到任何题目"),
    ],
)
def test_gift_undecodable_binary_or_empty_files_get_a_clear_issue(data, expected):
    with pytest.raises(ImportFailed) as excinfo:
        gift.parse(data, filename="bank.gift")
    assert _issues(excinfo) == [expected]


# ---------------------------------------------------------------------------------------- Aiken

AIKEN_SAMPLE = """失业保险累计缴费满10年以上的，领取失业保险金的期限最长为多少个月？
A. 12个月
B. 18个月
C. 24个月
D. 36个月
ANSWER: C

失业保险金由哪类机构按月发放？
A) 社会保险经办机构
B) 用人单位
ANSWER: A
下列哪项不是申领失业保险金的条件？
（单选）
A．缴费满1年
B、已办理退休手续
C．已进行失业登记
answer： b
"""


def test_aiken_parses_a_chinese_sample():
    questions = aiken.parse(AIKEN_SAMPLE.encode(), filename="bank.txt")
    assert [(q.qtype, q.source_line) for q in questions] == [("single", 1), ("single", 8), ("single", 12)]
    first, second, third = questions
    assert first.stem.startswith("失业保险累计缴费满10年")
    assert [(o.text, o.correct) for o in first.options] == [
        ("12个月", False),
        ("18个月", False),
        ("24个月", True),
        ("36个月", False),
    ]
    assert [o.correct for o in second.options] == [True, False]
    assert third.stem == "下列哪项不是申领失业保险金的条件？\n（单选）"
    assert [(o.text, o.correct) for o in third.options] == [
        ("缴费满1年", False),
        ("已办理退休手续", True),
        ("已进行失业登记", False),
    ]


def test_aiken_round_trip_keeps_stem_options_and_answer():
    bank = [q for q in FULL_BANK if q.qtype == "single"] + [
        _single("多行题干\n第二行", "甲", "乙", "丙", right=2),
        _single("A. 看起来像选项的题干", "甲", "乙"),
    ]
    text = aiken.dump(bank)
    assert _plain(aiken.parse(text, filename="bank.txt")) == _without(
        bank, "title", "explanation", "tags", "difficulty", "weight"
    )


def test_aiken_dump_refuses_other_types_naming_the_question():
    with pytest.raises(
        ValueError,
        match=r"Aiken 格式只支持单选题：第2题“申领失业保险金须同时满足哪些条件？ （多选）”是多选题",
    ):
        aiken.dump(FULL_BANK)


def test_aiken_missing_answer_line_is_reported_at_the_question():
    text = "第一题？\nA. 甲\nB. 乙\n\n第二题？\nA. 甲\nB. 乙\nANSWER: B\n\n第三题？\nA. 甲\nB. 乙\n"
    with pytest.raises(ImportFailed) as excinfo:
        aiken.parse(text, filename="bank.txt")
    assert _issues(excinfo) == [
        "bank.txt 第1行：题目缺少“ANSWER:”答案行",
        "bank.txt 第10行：题目缺少“ANSWER:”答案行",
    ]


def test_aiken_reports_every_error():
    text = (
        "ANSWER: A\n\n"
        "答案不在选项中？\nA. 甲\nB. 乙\nANSWER: E\n\n"
        "多个答案？\nA. 甲\nB. 乙\nANSWER: AB\n\n"
        "字母跳号？\nA. 甲\nC. 乙\nANSWER: A\n\n"
        "只有一个选项？\nA. 甲\nANSWER: A\n"
    )
    with pytest.raises(ImportFailed) as excinfo:
        aiken.parse(text, filename="bank.txt")
    assert _issues(excinfo) == [
        "bank.txt 第1行：“ANSWER:”行前面没有题目",
        "bank.txt 第6行：答案“E”不在选项中",
        "bank.txt 第11行：Aiken 格式只支持单选题，答案只能是一个字母（当前为“AB”）",
        "bank.txt 第15行：选项字母应为“B”，实际为“C”",
        "bank.txt 第18行：单选题至少需要 2 个选项（当前 1 个）",
    ]


# ----------------------------------------------------------------------------------- Moodle XML

MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/默认/失业保险</text>
    </category>
    <info format="moodle_auto_format">
      <text></text>
    </info>
    <idnumber></idnumber>
  </question>

<!-- question: 101  -->
  <question type="multichoice">
    <name>
      <text>领取期限</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p dir="ltr">累计缴费满 10 年以上的，领取失业保险金的期限最长为<strong>多少个月</strong>？</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>依据《失业保险条例》第十七条。</p>]]></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <showstandardinstruction>0</showstandardinstruction>
    <correctfeedback format="html">
      <text>你的答案正确。</text>
    </correctfeedback>
    <answer fraction="0" format="html">
      <text><![CDATA[<p>12 个月</p>]]></text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>24 个月</p>]]></text>
      <feedback format="html">
        <text><![CDATA[<p>正确</p>]]></text>
      </feedback>
    </answer>
    <tags>
      <tag><text>失业保险</text>
      </tag>
      <tag><text>待遇期限</text>
      </tag>
    </tags>
  </question>

<!-- question: 102  -->
  <question type="multichoice">
    <name>
      <text>申领条件</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>申领失业保险金须同时满足哪些条件？</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <single>false</single>
    <answer fraction="50" format="html">
      <text><![CDATA[<p>缴费满 1 年</p>]]></text>
    </answer>
    <answer fraction="50" format="html">
      <text><![CDATA[<p>已进行失业登记 &amp; 有求职要求</p>]]></text>
    </answer>
    <answer fraction="-100" format="html">
      <text><![CDATA[<p>已办理退休</p>]]></text>
    </answer>
  </question>

<!-- question: 103  -->
  <question type="truefalse">
    <name>
      <text>按月发放</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>失业保险金按月发放。</p>]]></text>
    </questiontext>
    <answer fraction="0" format="moodle_auto_format">
      <text>true</text>
    </answer>
    <answer fraction="100" format="moodle_auto_format">
      <text>false</text>
    </answer>
  </question>

<!-- question: 104  -->
  <question type="shortanswer">
    <name>
      <text>经办机构</text>
    </name>
    <questiontext format="moodle_auto_format">
      <text>失业保险金由_____按月发放。</text>
    </questiontext>
    <usecase>0</usecase>
    <answer fraction="100" format="moodle_auto_format">
      <text>社会保险经办机构</text>
    </answer>
    <answer fraction="50" format="moodle_auto_format">
      <text>社保局</text>
    </answer>
  </question>

<!-- question: 105  -->
  <question type="essay">
    <name>
      <text>申领流程</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>简述失业保险金的申领流程。</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>登记<br>申请</p>]]></text>
    </generalfeedback>
    <responseformat>editor</responseformat>
  </question>

</quiz>
"""


def test_moodlexml_parses_a_moodle_export():
    questions = moodlexml.parse(MOODLE_XML.encode(), filename="bank.xml")
    assert [(q.qtype, q.title, q.source_line) for q in questions] == [
        ("single", "领取期限", 15),
        ("multiple", "申领条件", 57),
        ("true_false", "按月发放", 80),
        ("fill_blank", "经办机构", 96),
        ("essay", "申领流程", 113),
    ]
    single, multiple, tf, short, essay = questions
    assert single.stem == "累计缴费满 10 年以上的，领取失业保险金的期限最长为多少个月？"
    assert [(o.text, o.correct, o.weight) for o in single.options] == [
        ("12 个月", False, None),
        ("24 个月", True, None),
    ]
    assert single.explanation == "依据《失业保险条例》第十七条。" and single.tags == ["失业保险", "待遇期限"]
    assert [(o.text, o.correct, o.weight) for o in multiple.options] == [
        ("缴费满 1 年", True, 50.0),
        ("已进行失业登记 & 有求职要求", True, 50.0),
        ("已办理退休", False, -100.0),
    ]
    assert tf.options == true_false(False)
    assert short.stem == "失业保险金由_____按月发放。" and short.answers == ["社会保险经办机构"]
    assert essay.explanation == "登记\n申请"


def test_moodlexml_round_trip_keeps_everything_but_difficulty():
    bank = [
        *FULL_BANK,
        _single('HTML 字符 <b>不是标签</b> & "引号"  两个空格\n换行', "x < y", "]]> 结束符", right=1),
        ParsedQuestion("essay", "没有标题的题目，名称取题干开头"),
    ]
    text = moodlexml.dump(bank)
    assert "<![CDATA[<p>HTML 字符 &lt;b&gt;不是标签&lt;/b&gt;" in text
    assert _plain(moodlexml.parse(text, filename="bank.xml")) == _without(bank, "difficulty")


def test_moodlexml_honours_a_gbk_declaration():
    xml = (
        '<?xml version="1.0" encoding="GBK"?>\n<quiz><question type="essay"><name><text>简答</text></name>'
        '<questiontext format="html"><text>简述申领流程。</text></questiontext></question></quiz>'
    )
    [question] = moodlexml.parse(xml.encode("gbk"), filename="bank.xml")
    assert question.stem == "简述申领流程。" and question.title == "简答"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE quiz SYSTEM "http://example.invalid/quiz.dtd">',
    ],
)
def test_moodlexml_refuses_doctype_entity_bombs_and_external_entities(doctype):
    xml = f'<?xml version="1.0"?>\n{doctype}\n<quiz><question type="essay"><questiontext><text>&lol2;</text></questiontext></question></quiz>'
    with pytest.raises(ImportFailed) as excinfo:
        moodlexml.parse(xml.encode(), filename="bomb.xml")
    assert _issues(excinfo) == ["bomb.xml：文件包含 DOCTYPE 或实体声明，出于安全原因拒绝导入"]


def test_moodlexml_malformed_xml_names_the_line():
    with pytest.raises(ImportFailed) as excinfo:
        moodlexml.parse("<quiz>\n<question type='essay'>\n</quiz>", filename="bank.xml")
    [issue] = excinfo.value.issues
    assert issue.line == 3 and issue.message.startswith("XML 格式错误")


def test_moodlexml_wrong_root_is_refused():
    with pytest.raises(ImportFailed) as excinfo:
        moodlexml.parse("<questions/>", filename="bank.xml")
    assert _issues(excinfo) == ["bank.xml 第1行：根元素应为 <quiz>，实际为 <questions>"]


def test_moodlexml_reports_every_error_with_position_and_line():
    xml = """<quiz>
  <question type="category"><category><text>x</text></category></question>
  <question type="matching">
    <questiontext format="html"><text>配对</text></questiontext>
  </question>
  <question type="multichoice">
    <questiontext format="html"><text></text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>甲</text></answer>
    <answer fraction="100"><text>乙</text></answer>
  </question>
  <question type="truefalse">
    <questiontext format="html"><text>判断</text></questiontext>
    <answer fraction="50"><text>true</text></answer>
  </question>
  <question type="shortanswer">
    <questiontext format="html"><text>填空</text></questiontext>
    <answer fraction="abc"><text>x</text></answer>
  </question>
</quiz>"""
    with pytest.raises(ImportFailed) as excinfo:
        moodlexml.parse(xml, filename="bank.xml")
    assert _issues(excinfo) == [
        "bank.xml 第3行：第1题：暂不支持题型“匹配题”",
        "bank.xml 第6行：第2题：题干不能为空",
        "bank.xml 第6行：第2题：单选题必须有且只有一个正确答案（当前 2 个）",
        "bank.xml 第12行：第3题：判断题必须有且只有一个满分答案（true 或 false）",
        "bank.xml 第16行：第4题：答案分值“abc”不是数字",
    ]


# -------------------------------------------------------------------------------- hostile input


def _mutations(text: str, count: int, seed: int) -> list[str]:
    """``count`` copies of ``text`` with a few random edits using each format's special characters."""
    rng = random.Random(seed)
    special = "{}~=#:\\%[]<>&;/\n \tABC.)ANSWER:正确'\"\x00"
    result = []
    for _ in range(count):
        chars = list(text)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(chars))
            if rng.random() < 0.5:
                del chars[pos : pos + rng.randint(1, 20)]
            else:
                chars.insert(pos, rng.choice(special))
        result.append("".join(chars))
    return result


@pytest.mark.parametrize(
    ("module", "sample"),
    [(gift, MOODLE_GIFT), (aiken, AIKEN_SAMPLE), (moodlexml, MOODLE_XML)],
    ids=["gift", "aiken", "moodlexml"],
)
def test_mangled_text_files_give_questions_or_issues_never_a_crash(module, sample):
    for text in _mutations(sample, 300, seed=7):
        try:
            questions = module.parse(text.encode(), filename="f")
        except ImportFailed as failed:
            assert failed.issues and all(isinstance(i.message, str) and i.message for i in failed.issues)
        else:
            assert all(isinstance(q, ParsedQuestion) for q in questions)
