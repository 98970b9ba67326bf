"""Pure checks of single cells: resident ID numbers (GB 11643-1999), phone numbers and unit paths.
No database."""

from __future__ import annotations

import datetime
import re
import unicodedata

from ..services import UNIT_PATH_SEPARATOR

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
PHONE_RE = re.compile(r"^1\d{10}$")
SPACES_RE = re.compile(r"[\s\u3000]+")


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (校验码) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    """Full-width digits and letters folded, spaces dropped, x → X."""
    return SPACES_RE.sub("", unicodedata.normalize("NFKC", value)).upper()


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
