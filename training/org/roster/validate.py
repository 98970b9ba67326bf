"""Validate (校验): every row of a parsed roster against the rules and this site's units and
business areas. Each column has its own small check; a row with any problem gives no person,
and every problem of every row is reported. Nothing is written here."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..login_names import shares_id_digits
from ..models import BusinessArea, OrgUnit
from ..services import UNIT_PATH_SEPARATOR
from .checks import (
    PHONE_RE,
    SPACES_RE,
    id_number_problems,
    normalise_id_number,
    normalise_phone,
    normalise_unit_path,
)
from .columns import (
    EMPLOYMENT_WORDS,
    HEADERS,
    MAX_NAME_CHARS,
    MAX_POST_CHARS,
    MAX_STAFF_NUMBER_CHARS,
    REQUIRED,
    STAFF_NUMBER,
)
from .parse import REFUSED, RosterRow, RosterSheet
from .problems import RosterInvalid, RosterIssue

_STAFF_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NUMERIC_ID_HINT = "（该单元格为数字格式，长数字会被 Excel 截断，请设为文本格式后重新填写）"


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


@dataclass
class _Seen:
    """The first row of each ID number and staff number so far: a second one is a duplicate."""

    id_numbers: dict[str, int] = field(default_factory=dict)
    staff_numbers: dict[str, int] = field(default_factory=dict)  # lower case


class _Row:
    """One row being checked: its cells (a refused cell reads as empty: it is reported already)
    and the problems found in it."""

    def __init__(self, source: RosterRow, letters: dict[str, str], issues: list[RosterIssue]) -> None:
        self.source = source
        self.letters = letters
        self.issues = issues
        self.refused = {name for name, text in source.cells.items() if text == REFUSED}
        self.bad = bool(self.refused)

    def text(self, column: str) -> str:
        return "" if column in self.refused else self.source.cells.get(column, "")

    def issue(self, column: str, message: str) -> None:
        self.bad = True
        self.issues.append(RosterIssue(self.source.row, column, self.letters[column], message))


def _check_required(row: _Row) -> None:
    for name in HEADERS:
        if name in REQUIRED and name not in row.refused and not row.source.cells[name]:
            row.issue(name, "不能为空")


def _check_unit(row: _Row, catalogue: Catalogue) -> int | None:
    """机构: a unit code, or the one unit with this full path of names."""
    unit_ref = row.text("机构")
    if not unit_ref:
        return None
    unit_id = catalogue.unit_by_code.get(unit_ref.lower())
    if unit_id is not None:
        return unit_id
    matches = catalogue.units_by_path.get(normalise_unit_path(unit_ref), [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        row.issue("机构", f"路径“{unit_ref}”对应多个机构，请改填机构编码")
    else:
        row.issue(
            "机构",
            f"未找到机构“{unit_ref}”：请填写机构编码，或从根开始的完整路径（如 {_example_path(catalogue)}）",
        )
    return None


def _check_name(row: _Row) -> str:
    name = row.text("姓名")
    if len(name) > MAX_NAME_CHARS:
        row.issue("姓名", f"不能超过 {MAX_NAME_CHARS} 个字（当前 {len(name)} 个）")
    return name


def _check_id_number(row: _Row, seen: _Seen) -> str:
    """身份证号: a valid resident ID number, once in the file."""
    id_number = normalise_id_number(row.text("身份证号"))
    if not id_number:
        return ""
    problems = id_number_problems(id_number)
    if problems:
        hint = _NUMERIC_ID_HINT if "身份证号" in row.source.numeric else ""
        row.issue("身份证号", "；".join(problems) + hint)
    elif id_number in seen.id_numbers:
        row.issue("身份证号", f"与第 {seen.id_numbers[id_number]} 行重复")
    else:
        seen.id_numbers[id_number] = row.source.row
    return id_number


def _check_phone(row: _Row) -> str:
    phone = normalise_phone(row.text("手机号"))
    if phone and not PHONE_RE.match(phone):
        row.issue("手机号", f"“{row.source.cells['手机号']}”无效，应为以 1 开头的 11 位数字")
    return phone


def _check_post(row: _Row) -> str:
    post = row.text("岗位")
    if len(post) > MAX_POST_CHARS:
        row.issue("岗位", f"不能超过 {MAX_POST_CHARS} 个字（当前 {len(post)} 个）")
    return post


def _check_employment(row: _Row) -> str | None:
    word = row.text("用工性质")
    if not word:
        return None
    employment = EMPLOYMENT_WORDS.get(SPACES_RE.sub("", word))
    if employment is None:
        row.issue("用工性质", f"“{word}”无效，应为 专职 或 兼职")
    return employment


def _check_speciality(row: _Row, catalogue: Catalogue) -> int | None:
    """主攻领域: a business area by code or Chinese name, or empty."""
    area_ref = row.text("主攻领域")
    if not area_ref:
        return None
    key = unicodedata.normalize("NFKC", area_ref).strip()
    speciality_id = catalogue.area_by_key.get(key.lower()) or catalogue.area_by_key.get(key)
    if speciality_id is None:
        row.issue("主攻领域", f"未知的业务领域“{area_ref}”：请填写领域编码或中文名称，或留空")
    return speciality_id


def _check_staff_number(row: _Row, id_number: str, seen: _Seen) -> str:
    """工号 (optional): becomes the login name, so login-name characters only, nothing of the ID
    number (it shows where the ID number is masked), once in the file."""
    raw = row.text(STAFF_NUMBER)
    if not raw:
        return ""
    staff_number = SPACES_RE.sub("", unicodedata.normalize("NFKC", raw))
    key = staff_number.lower()
    if len(staff_number) > MAX_STAFF_NUMBER_CHARS or not _STAFF_NUMBER_RE.match(staff_number):
        row.issue(
            STAFF_NUMBER,
            f"“{raw}”无效：工号用作登录名，只能由字母、数字和 . _ - 组成，最多 {MAX_STAFF_NUMBER_CHARS} 个字符",
        )
    elif id_number and shares_id_digits(staff_number, id_number):
        row.issue(
            STAFF_NUMBER,
            "含有身份证号中连续 6 位以上的数字：工号用作登录名，会在身份证号被遮盖的地方显示，"
            "请改填其他工号或留空（留空则自动编号）",
        )
    elif key in seen.staff_numbers:
        row.issue(STAFF_NUMBER, f"与第 {seen.staff_numbers[key]} 行重复")
    else:
        seen.staff_numbers[key] = row.source.row
    return staff_number


def _check_row(row: _Row, catalogue: Catalogue, seen: _Seen) -> Person | None:
    """The person of one row, or None when anything in it is wrong (its problems are in ``row``)."""
    _check_required(row)
    unit_id = _check_unit(row, catalogue)
    name = _check_name(row)
    id_number = _check_id_number(row, seen)
    phone = _check_phone(row)
    post = _check_post(row)
    employment = _check_employment(row)
    speciality_id = _check_speciality(row, catalogue)
    staff_number = _check_staff_number(row, id_number, seen)
    if row.bad:
        return None
    return Person(
        row.source.row, unit_id, name, id_number, phone, post, employment, speciality_id, staff_number
    )


def check_rows(sheet: RosterSheet, catalogue: Catalogue) -> tuple[list[Person], list[RosterIssue]]:
    """Every row checked; the people of the good rows and every problem of the others."""
    issues: list[RosterIssue] = []
    people: list[Person] = []
    seen = _Seen()
    for source in sheet.rows:
        person = _check_row(_Row(source, sheet.letters, issues), catalogue, seen)
        if person is not None:
            people.append(person)
    return people, issues


def validate_roster(sheet: RosterSheet, catalogue: Catalogue) -> list[Person]:
    """The people of a parsed roster, all rows good; else ``RosterInvalid`` with every problem."""
    people, issues = check_rows(sheet, catalogue)
    if issues:
        raise RosterInvalid(issues)
    return people


def _example_path(catalogue: Catalogue) -> str:
    deepest = max(catalogue.unit_label.values(), key=lambda label: label.count("/"), default="")
    return deepest or "江川市/东湖区/东湖街道/湖滨社区"
