"""The roster's columns and limits: what the sheet holds, shared by reading, checking, writing
and the downloadable template."""

from __future__ import annotations

from ..choices import Employment

HEADERS = ("机构", "姓名", "身份证号", "手机号", "岗位", "用工性质", "主攻领域")
REQUIRED = frozenset({"机构", "姓名", "身份证号", "手机号", "用工性质"})
STAFF_NUMBER = "工号"
OPTIONAL_HEADERS = (STAFF_NUMBER,)  # a sheet may leave these columns out
TEMPLATE_HEADERS = HEADERS + OPTIONAL_HEADERS
MAX_STAFF_NUMBER_CHARS = 30
SHEET_TITLE = "花名册"
MAX_ROWS = 100_000
MAX_CELL_CHARS = 200
MAX_NAME_CHARS = 40
MAX_POST_CHARS = 60
MAX_UPLOAD_BYTES = 30 * 1024 * 1024
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024

EMPLOYMENT_WORDS = {"专职": Employment.FULL_TIME, "全职": Employment.FULL_TIME, "兼职": Employment.PART_TIME}
EMPLOYMENT_NAMES = {Employment.FULL_TIME: "专职", Employment.PART_TIME: "兼职"}
