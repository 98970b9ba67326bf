import datetime
import io
import itertools

import pytest
from openpyxl import Workbook

from training.org.roster import HEADERS, id_check_digit

_seq = itertools.count(1)


def id_number(n: int | None = None) -> str:
    """A valid (made-up) resident ID number: region 360102, a birth date, a sequence, the check;
    distinct for n up to a few hundred thousand."""
    n = next(_seq) if n is None else n
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 1000)
    first17 = f"360102{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def roster_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    if headers is not None:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_roster():
    return roster_bytes


@pytest.fixture
def new_id():
    return id_number
