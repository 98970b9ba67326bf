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

The import runs in three steps, one module each: ``parse`` (the file into rows of text),
``validate`` (every row against the rules and the catalogue: the people, or every problem) and
``apply`` (the people written in one transaction); ``background`` runs them for the worker and
``template`` makes the downloadable template. This package exports what callers use.
"""

from .apply import RosterSummary, roster_import
from .background import BACKGROUND_MIN_BYTES, JOB_KIND, roster_import_job, roster_import_start
from .checks import id_check_digit, id_number_problems
from .columns import HEADERS, MAX_ROWS, MAX_UNZIPPED_BYTES, MAX_UPLOAD_BYTES, STAFF_NUMBER
from .parse import read_roster
from .problems import RosterInvalid, RosterIssue
from .template import roster_template, roster_template_for_site

__all__ = [
    "BACKGROUND_MIN_BYTES",
    "HEADERS",
    "JOB_KIND",
    "MAX_ROWS",
    "MAX_UNZIPPED_BYTES",
    "MAX_UPLOAD_BYTES",
    "STAFF_NUMBER",
    "RosterInvalid",
    "RosterIssue",
    "RosterSummary",
    "id_check_digit",
    "id_number_problems",
    "read_roster",
    "roster_import",
    "roster_import_job",
    "roster_import_start",
    "roster_template",
    "roster_template_for_site",
]
