"""Roster import (花名册导入): an Excel sheet of staff, one person per row, checked as a whole and
written all or nothing.

Columns (header row, any order, names exactly as in the template; extra columns are ignored):
机构 (the unit's code, or its full path of names from the root joined by "/", e.g.
江川市/东湖区/东湖街道/湖滨社区), 姓名, 身份证号 (GB 11643-1999, checksum and birth date checked),
手机号 (11 digits starting with 1), 岗位 (may be empty), 用工性质 (专职/兼职), 主攻领域 (area code or
Chinese name; may be empty); optional: 工号 (staff number; may be empty).

People are matched by ID number: a known number updates the person (and a changed unit is a
transfer, kept as ``StaffTransfer`` history); a new number creates a login with an unusable password
and the staff record. Its login name is the staff number where the row has one, else "u" + a
sequence number (``training.org.login_names``), never anything taken from the ID number.

Every problem is reported, by row and column, in Chinese; any problem imports nothing. The file
(.xlsx, or .csv in UTF-8, GBK/GB18030 or UTF-16) is read by ``training.org.spreadsheets``, which
refuses zip bombs, XML entities, hidden data sheets, merged cells and formula cells; text that a
spreadsheet would run as a formula (= + - @, tab or CR first) is refused here too.
Queries are bounded: units, areas and (per 500 rows) existing people are loaded in bulk.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .audit import audit_record
from .choices import Employment
from .jobs import job_create, job_fail, job_finish, job_progress
from .login_names import login_names_taken, sequence_login_names, shares_id_digits
from .models import BusinessArea, Job, OrgUnit, Staff, StaffTransfer
from .services import (
    UNIT_PATH_SEPARATOR,
    NewStaff,
    chunks,
    staff_changed_announce,
    staff_create_many,
    unit_labels,
)
from .spreadsheets import (
    Limits,
    SpreadsheetInvalid,
    formula_injection_message,
    formula_like,
    read_table,
    text_cell,
)

HEADERS = ("机构", "姓名", "身份证号", "手机号", "岗位", "用工性质", "主攻领域")
REQUIRED = frozenset({"机构", "姓名", "身份证号", "手机号", "用工性质"})
STAFF_NUMBER = "工号"
OPTIONAL_HEADERS = (STAFF_NUMBER,)  # a sheet may leave these columns out
TEMPLATE_HEADERS = HEADERS + OPTIONAL_HEADERS
MAX_STAFF_NUMBER_CHARS = 30
_STAFF_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SHEET_TITLE = "花名册"
MAX_ROWS = 100_000
MAX_CELL_CHARS = 200
MAX_NAME_CHARS = 40
MAX_POST_CHARS = 60
MAX_UPLOAD_BYTES = 30 * 1024 * 1024
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024

EMPLOYMENT_WORDS = {"专职": Employment.FULL_TIME, "全职": Employment.FULL_TIME, "兼职": Employment.PART_TIME}
EMPLOYMENT_NAMES = {Employment.FULL_TIME: "专职", Employment.PART_TIME: "兼职"}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PHONE_RE = re.compile(r"^1\d{10}$")
_QUOTED_RE = re.compile(r"^'+[=+\-@]")
_SPACES_RE = re.compile(r"[\s\u3000]+")


# --- problems ------------------------------------------------------------------------------------


@dataclass
class RosterIssue:
    """One problem in a roster, located by row and column as precisely as possible."""

    row: int | None
    column: str | None = None  # the header name, e.g. 身份证号
    letter: str | None = None  # the spreadsheet column, e.g. C
    message: str = ""  # Simplified Chinese, shown to the uploader

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column and self.letter:
            return f"第 {self.row} 行，{self.column}（{self.letter} 列）：{self.message}"
        if self.column:
            return f"第 {self.row} 行，{self.column}：{self.message}"
        return f"第 {self.row} 行：{self.message}"


class RosterInvalid(Exception):
    """The roster cannot be imported; ``issues`` lists every problem, in row order."""

    def __init__(self, issues: list[RosterIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.row or 0, i.letter or ""))
        super().__init__("\n".join(str(i) for i in self.issues))


# --- pure checks ---------------------------------------------------------------------------------


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (校验码) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    """Full-width digits and letters folded, spaces dropped, x → X."""
    return _SPACES_RE.sub("", unicodedata.normalize("NFKC", value)).upper()


def id_number_problems(value: str, *, today: datetime.date | None = None) -> list[str]:
    """What is wrong with a (normalised) resident ID number (居民身份证号码); empty when valid:
    18 characters, 17 digits then a digit or X, a real birth date, and the right check character."""
    if len(value) != 18:
        return [f"应为 18 位（当前 {len(value)} 位）"]
    if not value[:17].isdigit() or not value[:17].isascii():
        return ["前 17 位须为数字"]
    if not (value[17].isdigit() and value[17].isascii()) and value[17] != "X":
        return ["末位须为数字或 X"]
    problems = []
    birth = value[6:14]
    try:
        born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        problems.append(f"出生日期 {birth} 不是有效日期")
    else:
        if born.year < 1900 or born > (today or datetime.date.today()):
            problems.append(f"出生日期 {birth} 不在合理范围内")
    expected = id_check_digit(value[:17])
    if value[17] != expected:
        problems.append(f"校验位错误，应为 {expected}")
    return problems


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s\u3000\-]+", "", unicodedata.normalize("NFKC", value))


def normalise_unit_path(value: str) -> str:
    """江川市 / 东湖区／东湖街道 → 江川市/东湖区/东湖街道."""
    parts = [p.strip() for p in unicodedata.normalize("NFKC", value).split(UNIT_PATH_SEPARATOR)]
    return UNIT_PATH_SEPARATOR.join(p for p in parts if p)


def _unquote(text: str) -> str:
    """An exported cell carries one "'" in front of formula-like text; drop exactly that one."""
    return text[1:] if _QUOTED_RE.match(text) else text


# --- reading the file ----------------------------------------------------------------------------


@dataclass
class RosterRow:
    """One person as read from the sheet (cells stripped; not yet checked against the database)."""

    row: int
    cells: dict[str, str]
    numeric: frozenset[str] = frozenset()  # columns whose cell was a number, not text


@dataclass
class RosterSheet:
    rows: list[RosterRow]
    letters: dict[str, str]  # header → column letter


REFUSED = "\x00"  # marks a refused cell: reported once, not checked again


def read_roster(data: bytes, *, filename: str = "") -> RosterSheet:
    """The rows of a roster (.xlsx, or .csv as Chinese Excel/WPS save it), read by the shared
    hardened reader (``training.org.spreadsheets``); raises ``RosterInvalid`` for a file that is
    not a readable table, a sheet without the template's header, no data or too many rows, cells
    too long, cells that are formulas, and text that a spreadsheet would run as a formula (formula
    injection: = + - @, tab or CR first; a name, unit or post never starts so, so it is refused
    rather than silently changed)."""
    try:
        table = read_table(
            data,
            filename=filename,
            headers=TEMPLATE_HEADERS,
            required=frozenset(HEADERS),
            identify=frozenset({"姓名", "身份证号"}),
            limits=Limits(
                upload_bytes=MAX_UPLOAD_BYTES,
                unzipped_bytes=MAX_UNZIPPED_BYTES,
                rows=MAX_ROWS,
                cell_chars=MAX_CELL_CHARS,
            ),
        )
    except SpreadsheetInvalid as invalid:
        raise RosterInvalid(
            [RosterIssue(p.row, p.column, p.letter, p.message) for p in invalid.problems]
        ) from None
    letters = {h: table.letter(h) for h in TEMPLATE_HEADERS if h in table.positions}
    issues: list[RosterIssue] = []
    rows: list[RosterRow] = []
    for source in table.rows:
        cells = {}
        for name, text in source.cells.items():
            text = _unquote(text)
            if name in source.formula_like or formula_like(text):
                issues.append(
                    RosterIssue(
                        source.number,
                        name,
                        letters[name],
                        formula_injection_message(text),
                    )
                )
                text = REFUSED
            cells[name] = text
        rows.append(RosterRow(source.number, cells, source.numeric))
    if issues:
        raise RosterInvalid(issues)
    if not rows:
        raise RosterInvalid([RosterIssue(2, message="没有找到任何人员数据：从第 2 行起每行填写一人")])
    return RosterSheet(rows, letters)


# --- checking against the catalogue --------------------------------------------------------------


@dataclass
class Catalogue:
    """What cells are resolved against: units by code and by full path, areas by code and name."""

    unit_by_code: dict[str, int]
    units_by_path: dict[str, list[int]]
    unit_label: dict[int, str]
    area_by_key: dict[str, int]

    @classmethod
    def load(cls) -> Catalogue:
        """Two queries, whatever the size of the roster."""
        units = list(OrgUnit.objects.values_list("pk", "path", "name", "code"))
        name_by_path = {path: name for _, path, name, _ in units}
        step = OrgUnit.steplen
        unit_label, units_by_path, unit_by_code = {}, {}, {}
        for pk, path, _, code in units:
            label = UNIT_PATH_SEPARATOR.join(
                name_by_path.get(path[:i], "?") for i in range(step, len(path) + 1, step)
            )
            unit_label[pk] = label
            units_by_path.setdefault(normalise_unit_path(label), []).append(pk)
            unit_by_code[code.lower()] = pk
        area_by_key = {}
        for pk, code, name in BusinessArea.objects.values_list("pk", "code", "name"):
            area_by_key[code.lower()] = pk
            area_by_key[unicodedata.normalize("NFKC", name).strip()] = pk
        return cls(unit_by_code, units_by_path, unit_label, area_by_key)


@dataclass
class Person:
    """A checked row, ready to write."""

    row: int
    unit_id: int
    name: str
    id_number: str
    phone: str
    post: str
    employment: str
    speciality_id: int | None
    staff_number: str = ""


def check_rows(sheet: RosterSheet, catalogue: Catalogue) -> tuple[list[Person], list[RosterIssue]]:
    """Every row checked; the people of the good rows and every problem of the others."""
    issues: list[RosterIssue] = []
    people: list[Person] = []
    first_row_of_id: dict[str, int] = {}
    first_row_of_staff_number: dict[str, int] = {}
    letters = sheet.letters
    for r in sheet.rows:
        bad = False

        def issue(column: str, message: str, r: RosterRow = r) -> None:
            nonlocal bad
            bad = True
            issues.append(RosterIssue(r.row, column, letters[column], message))

        cells = r.cells
        refused = {name for name, text in cells.items() if text == REFUSED}
        if refused:
            bad = True
        for name in HEADERS:
            if name in REQUIRED and name not in refused and not cells[name]:
                issue(name, "不能为空")

        unit_id = None
        unit_ref = cells["机构"]
        if unit_ref and "机构" not in refused:
            unit_id = catalogue.unit_by_code.get(unit_ref.lower())
            if unit_id is None:
                matches = catalogue.units_by_path.get(normalise_unit_path(unit_ref), [])
                if len(matches) == 1:
                    unit_id = matches[0]
                elif len(matches) > 1:
                    issue("机构", f"路径“{unit_ref}”对应多个机构，请改填机构编码")
                else:
                    issue(
                        "机构",
                        f"未找到机构“{unit_ref}”：请填写机构编码，或从根开始的完整路径"
                        f"（如 {_example_path(catalogue)}）",
                    )

        name = cells["姓名"]
        if name and "姓名" not in refused and len(name) > MAX_NAME_CHARS:
            issue("姓名", f"不能超过 {MAX_NAME_CHARS} 个字（当前 {len(name)} 个）")

        id_number = normalise_id_number(cells["身份证号"]) if "身份证号" not in refused else ""
        if id_number:
            problems = id_number_problems(id_number)
            if problems:
                hint = "（该单元格为数字格式，长数字会被 Excel 截断，请设为文本格式后重新填写）"
                issue("身份证号", "；".join(problems) + (hint if "身份证号" in r.numeric else ""))
            elif id_number in first_row_of_id:
                issue("身份证号", f"与第 {first_row_of_id[id_number]} 行重复")
            else:
                first_row_of_id[id_number] = r.row

        phone = normalise_phone(cells["手机号"]) if "手机号" not in refused else ""
        if phone and not _PHONE_RE.match(phone):
            issue("手机号", f"“{cells['手机号']}”无效，应为以 1 开头的 11 位数字")

        post = cells["岗位"] if "岗位" not in refused else ""
        if len(post) > MAX_POST_CHARS:
            issue("岗位", f"不能超过 {MAX_POST_CHARS} 个字（当前 {len(post)} 个）")

        employment = None
        word = cells["用工性质"]
        if word and "用工性质" not in refused:
            employment = EMPLOYMENT_WORDS.get(_SPACES_RE.sub("", word))
            if employment is None:
                issue("用工性质", f"“{word}”无效，应为 专职 或 兼职")

        speciality_id = None
        area_ref = cells["主攻领域"]
        if area_ref and "主攻领域" not in refused:
            key = unicodedata.normalize("NFKC", area_ref).strip()
            speciality_id = catalogue.area_by_key.get(key.lower()) or catalogue.area_by_key.get(key)
            if speciality_id is None:
                issue("主攻领域", f"未知的业务领域“{area_ref}”：请填写领域编码或中文名称，或留空")

        staff_number = ""
        if cells.get(STAFF_NUMBER) and STAFF_NUMBER not in refused:
            staff_number = _SPACES_RE.sub("", unicodedata.normalize("NFKC", cells[STAFF_NUMBER]))
            if len(staff_number) > MAX_STAFF_NUMBER_CHARS or not _STAFF_NUMBER_RE.match(staff_number):
                issue(
                    STAFF_NUMBER,
                    f"“{cells[STAFF_NUMBER]}”无效：工号用作登录名，只能由字母、数字和 . _ - 组成，"
                    f"最多 {MAX_STAFF_NUMBER_CHARS} 个字符",
                )
            elif id_number and shares_id_digits(staff_number, id_number):
                issue(
                    STAFF_NUMBER,
                    "含有身份证号中连续 6 位以上的数字：工号用作登录名，会在身份证号被遮盖的地方显示，"
                    "请改填其他工号或留空（留空则自动编号）",
                )
            elif staff_number.lower() in first_row_of_staff_number:
                issue(STAFF_NUMBER, f"与第 {first_row_of_staff_number[staff_number.lower()]} 行重复")
            else:
                first_row_of_staff_number[staff_number.lower()] = r.row

        if not bad:
            people.append(
                Person(r.row, unit_id, name, id_number, phone, post, employment, speciality_id, staff_number)
            )
    return people, issues


def _example_path(catalogue: Catalogue) -> str:
    deepest = max(catalogue.unit_label.values(), key=lambda label: label.count("/"), default="")
    return deepest or "江川市/东湖区/东湖街道/湖滨社区"


# --- writing -------------------------------------------------------------------------------------


@dataclass
class RosterSummary:
    """What an import did (导入结果)."""

    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    transferred: int = 0
    unchanged: int = 0
    audit_event_id: int | None = None
    usernames: dict[str, str] = field(default_factory=dict, repr=False)  # new ID number → username

    def as_details(self) -> dict:
        details = asdict(self)
        details.pop("usernames")
        details.pop("audit_event_id")
        return details


_STAFF_FIELDS = ("name", "org_unit_id", "post", "employment", "speciality_id", "phone", "is_active")
_LOADED_FIELDS = (
    "user",
    "id_number",
    "name",
    "org_unit",
    "post",
    "employment",
    "speciality",
    "phone",
    "is_active",
)


@transaction.atomic
def roster_import(
    *,
    data: bytes,
    filename: str,
    actor=None,
    on: datetime.date | None = None,
    sheet: RosterSheet | None = None,
) -> RosterSummary:
    """Import a roster (花名册导入), all or nothing: raises ``RosterInvalid`` listing every problem
    by row and column, and writes nothing, if anything is wrong. Otherwise creates new people,
    updates known ones (matched by ID number; a person listed again is active again), records a
    transfer for each whose unit changed, and audits the import as ``roster.import``. ``sheet``:
    the file already read by ``read_roster`` (it is checked again here, in the transaction)."""
    sheet = sheet or read_roster(data, filename=filename)
    catalogue = Catalogue.load()
    people, issues = check_rows(sheet, catalogue)
    if issues:
        raise RosterInvalid(issues)

    existing: dict[str, Staff] = {}
    for part in chunks([p.id_number for p in people]):
        rows = Staff.objects.filter(id_number__in=part).order_by().only(*_LOADED_FIELDS)
        for staff in rows:
            existing[staff.id_number] = staff

    summary = RosterSummary(file=filename, rows=len(people))
    new_people: list[Person] = []
    changed: list[Staff] = []
    renamed_users: list[tuple[int, str]] = []
    moves: list[tuple[Staff, int, int]] = []
    for person in people:
        staff = existing.get(person.id_number)
        if staff is None:
            new_people.append(person)
            continue
        wanted = {
            "name": person.name,
            "org_unit_id": person.unit_id,
            "post": person.post,
            "employment": person.employment,
            "speciality_id": person.speciality_id,
            "phone": person.phone,
            "is_active": True,
        }
        diff = {k: v for k, v in wanted.items() if getattr(staff, k) != v}
        if not diff:
            summary.unchanged += 1
            continue
        if "org_unit_id" in diff:
            moves.append((staff, staff.org_unit_id, person.unit_id))
            summary.transferred += 1
        else:
            summary.updated += 1
        if "name" in diff:
            renamed_users.append((staff.user_id, person.name))
        for k, v in diff.items():
            setattr(staff, k, v)
        changed.append(staff)
    summary.created = len(new_people)
    usernames = _usernames_for(new_people, letter=sheet.letters.get(STAFF_NUMBER))

    event = audit_record(actor=actor, action="roster.import", target=filename, details=summary.as_details())
    summary.audit_event_id = event.pk
    source = f"roster import #{event.pk}"

    created = staff_create_many(
        people=[
            NewStaff(
                username=usernames[p.id_number],
                name=p.name,
                org_unit_id=p.unit_id,
                post=p.post,
                employment=p.employment,
                speciality_id=p.speciality_id,
                id_number=p.id_number,
                phone=p.phone,
            )
            for p in new_people
        ]
    )
    summary.usernames = usernames
    _update_rows(
        Staff, list(_STAFF_FIELDS), [[getattr(st, f) for f in _STAFF_FIELDS] + [st.pk] for st in changed]
    )
    _update_rows(get_user_model(), ["first_name"], [[name[:150], pk] for pk, name in renamed_users])
    on = on or timezone.localdate()
    actor_or_none = actor if getattr(actor, "pk", None) else None
    StaffTransfer.objects.bulk_create(
        [
            StaffTransfer(
                staff=staff,
                from_unit_id=from_id,
                to_unit_id=to_id,
                from_unit_label=catalogue.unit_label.get(from_id, "")[:400],
                to_unit_label=catalogue.unit_label.get(to_id, "")[:400],
                on=on,
                source=source,
                actor=actor_or_none,
            )
            for staff, from_id, to_id in moves
        ],
        batch_size=500,
    )
    staff_changed_announce([s.pk for s in created] + [s.pk for s, _, _ in moves])
    return summary


# --- in the background ---------------------------------------------------------------------------

BACKGROUND_MIN_BYTES = 200 * 1024  # a larger upload (some thousands of rows) is imported by the worker
JOB_KIND = "roster_import"
# The writing is one transaction that reports no progress; no task runs longer than its time limit.
WRITE_LEASE = datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800))


def roster_import_start(*, data: bytes, filename: str, actor) -> Job:
    """Queue a large roster for the worker (后台导入花名册); the admin page polls the job and shows
    the summary, or every problem by row and column, when it is over."""
    from .tasks import roster_import_task

    return job_create(
        kind=JOB_KIND,
        user=actor,
        task=roster_import_task,
        params={"filename": filename},
        source=ContentFile(data, name="roster.xlsx"),
    )


def roster_import_job(*, job: Job) -> RosterSummary | None:
    """Import the roster of a claimed job exactly once: the file is read and checked first (a file
    with problems fails the job with every problem listed), then written in one transaction that
    also marks the job done, so a worker lost before the commit leaves nothing, and the next run
    imports the whole file."""
    filename = job.params.get("filename", "")
    with job.source.open("rb") as source:
        data = source.read()
    try:
        sheet = read_roster(data, filename=filename)
        people, issues = check_rows(sheet, Catalogue.load())
        if issues:
            raise RosterInvalid(issues)
        job_progress(job, done=0, total=len(people), lease=WRITE_LEASE)
        with transaction.atomic():
            summary = roster_import(data=data, filename=filename, actor=job.user, sheet=sheet)
            job_finish(job, done=summary.rows, params={**job.params, "summary": summary.as_details()})
    except RosterInvalid as invalid:
        problems = [str(issue) for issue in invalid.issues]
        job_fail(job.pk, problems[0] if problems else "", params={**job.params, "issues": problems[:1000]})
        return None
    return summary


def _update_rows(model, fields: list[str], rows: list[list]) -> None:
    """``UPDATE … SET fields WHERE pk`` for many rows in one ``executemany``: Django's
    ``bulk_update`` builds a CASE per field and row, which grows too slow for a province's roster
    (figures in bench/RESULTS.md)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(f"{quote(meta.get_field(f).column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _usernames_for(people: list[Person], *, letter: str | None) -> dict[str, str]:
    """The login name of each new person, by ID number: their staff number (工号) where the row has
    one, else "u" + the next sequence number. Raises ``RosterInvalid`` naming every row whose staff
    number an account already uses. A constant number of queries per 500 people."""
    numbered = [p for p in people if p.staff_number]
    taken = login_names_taken([p.staff_number for p in numbered])
    clashes = [p for p in numbered if p.staff_number.lower() in taken]
    if clashes:
        raise RosterInvalid(
            [
                RosterIssue(
                    p.row,
                    STAFF_NUMBER,
                    letter,
                    f"“{p.staff_number}”已是另一个账号的登录名：工号用作登录名，请核对后改填或留空（留空则自动编号）",
                )
                for p in clashes
            ]
        )
    result = {p.id_number: p.staff_number for p in numbered}
    others = [p for p in people if not p.staff_number]
    result.update(zip((p.id_number for p in others), sequence_login_names(len(others)), strict=True))
    return result


# --- the template --------------------------------------------------------------------------------

_WIDTHS = {
    "机构": 40,
    "姓名": 12,
    "身份证号": 22,
    "手机号": 15,
    "岗位": 18,
    "用工性质": 10,
    "主攻领域": 18,
    STAFF_NUMBER: 14,
}
_GUIDE = [
    ("机构", "必填", "机构编码，或从根开始的完整路径，各级名称用“/”分隔", "江川市/东湖区/东湖街道/湖滨社区"),
    ("姓名", "必填", f"最多 {MAX_NAME_CHARS} 个字", "张晓明"),
    (
        "身份证号",
        "必填",
        "18 位居民身份证号码，末位可为 X；请设为文本格式，同一文件中不能重复",
        "（18 位号码）",
    ),
    ("手机号", "必填", "以 1 开头的 11 位数字", "13800138000"),
    ("岗位", "选填", f"最多 {MAX_POST_CHARS} 个字", "社保经办员"),
    ("用工性质", "必填", "专职 或 兼职", "专职"),
    ("主攻领域", "选填", "业务领域编码或中文名称（见“业务领域”工作表），可留空", "失业保险"),
    (
        STAFF_NUMBER,
        "选填",
        f"新人员的登录名：字母、数字和 . _ -，最多 {MAX_STAFF_NUMBER_CHARS} 个字符，不能含身份证号中的数字；"
        "留空则自动编为 u1、u2……；已有人员的登录名不变；整列可以删去",
        "DH0012",
    ),
]
_NOTES = [
    "每行一人，第一行表头请勿修改、删除或改名；列的顺序可以调换。",
    f"一次最多导入 {MAX_ROWS} 行，单元格内容不超过 {MAX_CELL_CHARS} 个字符。",
    "按身份证号识别人员：已有人员更新信息，机构变化的记为调动；新人员自动开通账号（登录名为工号，未填工号的自动编号），初始密码由管理员重置。",
    "以 = + - @ 开头的内容会被拒绝（防止公式注入）；公式单元格请先复制并“选择性粘贴 → 数值”。",
    "文件中只要有一处错误，整个文件都不会导入；请按提示的行号和列修改后重新上传。",
]


def roster_template(
    *, units: list[tuple[str, str]] | None = None, areas: list[tuple[str, str]] | None = None
) -> bytes:
    """The downloadable template: the 花名册 sheet (header only, ID and phone columns as text),
    a 说明 sheet, and, when given, the unit codes and paths and the business areas to copy from."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(list(TEMPLATE_HEADERS))
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, (cell, header) in enumerate(zip(sheet[1], TEMPLATE_HEADERS, strict=True), start=1):
        cell.font = Font(bold=True, color="C00000" if header in REQUIRED else None)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _WIDTHS[header]
        if header in ("身份证号", "手机号", STAFF_NUMBER):
            sheet.column_dimensions[letter].number_format = "@"
    employment = DataValidation(type="list", formula1='"专职,兼职"', allow_blank=True)
    sheet.add_data_validation(employment)
    letter = get_column_letter(HEADERS.index("用工性质") + 1)
    employment.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("说明")
    guide.append(["列名", "是否必填", "填写说明", "示例"])
    for row in _GUIDE:
        guide.append(list(row))
    guide.append([])
    guide.append(["注意事项"])
    for note in _NOTES:
        guide.append([note])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (12, 10, 70, 36), strict=True):
        guide.column_dimensions[letter].width = width
    if units:
        sheet_units = workbook.create_sheet("机构列表")
        sheet_units.append(["机构编码", "完整路径"])
        for code, label in units:
            sheet_units.append([text_cell(sheet_units, code), text_cell(sheet_units, label)])
        sheet_units.column_dimensions["A"].width = 20
        sheet_units.column_dimensions["B"].width = 60
    if areas:
        sheet_areas = workbook.create_sheet("业务领域")
        sheet_areas.append(["领域编码", "名称"])
        for code, name in areas:
            sheet_areas.append([text_cell(sheet_areas, code), text_cell(sheet_areas, name)])
        sheet_areas.column_dimensions["A"].width = 20
        sheet_areas.column_dimensions["B"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_template_for_site() -> bytes:
    """The template with this site's units and areas listed (two queries)."""
    all_units = list(OrgUnit.objects.only("pk", "path", "code"))
    labels = unit_labels(all_units)
    units = sorted(((u.code, labels[u.pk]) for u in all_units), key=lambda u: u[1])
    areas = list(BusinessArea.objects.values_list("code", "name"))
    return roster_template(units=units, areas=areas)
