"""Question import and export: all or nothing, clear messages, and a round trip that keeps the bank."""

import io

from django.core.management import CommandError, call_command

import openpyxl
import pytest

from exams.bank_io import bank_as_parsed, questions_export, questions_import
from exams.formats.model import ImportFailed
from exams.models import Question, QuestionBank
from tests import factories

pytestmark = pytest.mark.django_db


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "题型",
            "题干",
            "选项A",
            "选项B",
            "选项C",
            "选项D",
            "选项E",
            "选项F",
            "选项G",
            "选项H",
            "答案",
            "解析",
            "难度",
            "标签",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    [
        "单选题",
        "失业保险金由哪个机构发放？",
        "经办机构",
        "用人单位",
        "工会",
        "街道办",
        None,
        None,
        None,
        None,
        "A",
        "依据《失业保险条例》",
        "易",
        "失业,待遇",
    ],
    [
        "多选题",
        "申领失业保险金需要哪些材料？",
        "身份证件",
        "社保卡",
        "房产证",
        "结婚证",
        None,
        None,
        None,
        None,
        "AB",
        "",
        "中",
        "",
    ],
    [
        "判断题",
        "失业保险金可以一次性领取。",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "错误",
        "",
        "",
        "",
    ],
    [
        "填空题",
        "社会保障卡的简称是____。",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "社保卡|社会保障卡",
        "",
        "",
        "",
    ],
    [
        "简答题",
        "简述失业登记的办理流程。",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "",
        "难",
        "",
    ],
]


@pytest.fixture
def bank(db):
    return factories.bank(area=factories.areas()["unemployment"], questions=0)


def test_import_every_type_from_excel(bank):
    created = questions_import(bank=bank, data=_xlsx(GOOD), filename="题库.xlsx")
    assert [q.qtype for q in created] == ["single", "multiple", "true_false", "fill_blank", "essay"]
    multiple = created[1]
    assert sorted(multiple.choices.filter(is_correct=True).values_list("text", flat=True)) == [
        "社保卡",
        "身份证件",
    ]
    assert created[3].answers == ["社保卡", "社会保障卡"]
    assert set(created[0].tags.names()) == {"失业", "待遇"}


def test_a_file_with_errors_imports_nothing_and_names_row_and_column(bank):
    bad = [
        *GOOD,
        ["单选题", "题干", "甲", "乙", None, None, None, None, None, None, "E", "", "", ""],
        ["某某题", "未知题型", "甲", "乙", None, None, None, None, None, None, "A", "", "", ""],
    ]
    with pytest.raises(ImportFailed) as failed:
        questions_import(bank=bank, data=_xlsx(bad), filename="题库.xlsx")
    messages = [str(i) for i in failed.value.issues]
    assert any("第7行" in m and "答案" in m for m in messages), messages
    assert any("第8行" in m and "题型" in m for m in messages), messages
    assert Question.objects.filter(bank=bank).count() == 0


def test_importing_the_same_file_twice_is_refused_whole(bank):
    questions_import(bank=bank, data=_xlsx(GOOD), filename="题库.xlsx")
    with pytest.raises(ImportFailed):
        questions_import(bank=bank, data=_xlsx(GOOD), filename="题库.xlsx")
    assert Question.objects.filter(bank=bank).count() == 5


@pytest.mark.parametrize("fmt", ["xlsx", "gift", "moodlexml"])
def test_export_then_import_gives_the_same_bank(bank, fmt):
    questions_import(bank=bank, data=_xlsx(GOOD), filename="题库.xlsx")
    data = questions_export(bank=bank, fmt=fmt)
    copy = QuestionBank.objects.create(title="副本", area=bank.area, level=bank.level)
    questions_import(
        bank=copy, data=data, filename=f"export.{ {'xlsx': 'xlsx', 'gift': 'gift', 'moodlexml': 'xml'}[fmt] }"
    )

    def shape(b):
        return [
            (q.qtype, q.stem, [(o.text, o.correct) for o in q.options], q.answers)
            for q in bank_as_parsed(bank=b)
        ]

    assert shape(copy) == shape(bank)


def test_aiken_round_trip_for_single_choice(bank):
    factories.typed_question(bank, "single", stem="社保卡挂失可以通过哪个渠道办理？")
    data = questions_export(bank=bank, fmt="aiken")
    copy = QuestionBank.objects.create(title="副本", area=bank.area, level=bank.level)
    questions_import(bank=copy, data=data, filename="bank.aiken", fmt="aiken")
    assert [q.stem for q in bank_as_parsed(bank=copy)] == ["社保卡挂失可以通过哪个渠道办理？"]


def test_command_imports_and_exits_non_zero_on_errors(tmp_path, db):
    factories.areas()
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx(GOOD))
    call_command("import_questions", str(good), "--area", "unemployment", "--level", "basic")
    assert Question.objects.count() == 5
    bad = tmp_path / "bad.gift"
    bad.write_text("::q1:: 失业保险金的申领期限是多久？ {=60日 ~30日\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_questions", str(bad), "--area", "unemployment")
    assert Question.objects.count() == 5
    with pytest.raises(CommandError):
        call_command("import_questions", str(good), "--area", "no-such-area")
    out = tmp_path / "out.xml"
    call_command("export_questions", str(QuestionBank.objects.get().pk), str(out), "--format", "moodlexml")
    assert "失业保险金由哪个机构发放" in out.read_text(encoding="utf-8")


def test_admin_upload_template_and_scope(client, people):
    from training.org.services import role_grant

    areas = factories.areas()
    role_grant(user=people["trainer"].user, role="trainer", areas=[areas["unemployment"]])
    bank = factories.bank(area=areas["unemployment"], questions=0)
    theirs = factories.bank(area=areas["pension"], questions=0)
    theirs.owner = people["trainer"].user  # owned, but of another area
    theirs.save()
    client.force_login(people["trainer"].user)
    template = client.get("/admin/question-import/template.xlsx")
    assert template.status_code == 200
    headers = [
        c.value
        for c in next(openpyxl.load_workbook(io.BytesIO(template.content)).active.iter_rows(max_row=1))
    ]
    assert headers[:2] == ["题型", "题干"] and "答案" in headers
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "题库.xlsx", _xlsx([["单选题", "", "甲", "乙", None, None, None, None, None, None, "A", "", "", ""]])
    )
    response = client.post("/admin/question-import/", {"bank": bank.pk, "file": bad})
    assert "第2行" in response.text and Question.objects.count() == 0
    good = SimpleUploadedFile("题库.xlsx", _xlsx(GOOD))
    response = client.post("/admin/question-import/", {"bank": bank.pk, "file": good})
    assert Question.objects.filter(bank=bank).count() == 5
    response = client.post(
        "/admin/question-import/", {"bank": theirs.pk, "file": SimpleUploadedFile("x.xlsx", _xlsx(GOOD))}
    )
    assert Question.objects.filter(bank=theirs).count() == 0  # not a bank of their areas to fill
    assert client.get(f"/admin/question-export/{theirs.pk}/gift/").status_code == 404
    assert client.get(f"/admin/question-export/{bank.pk}/gift/").status_code == 200
