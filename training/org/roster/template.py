"""The downloadable roster template (花名册模板): the sheet to fill in, a guide, and this site's
units and business areas to copy from."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..models import BusinessArea, OrgUnit
from ..services import unit_labels
from ..spreadsheets import text_cell
from .columns import (
    HEADERS,
    MAX_CELL_CHARS,
    MAX_NAME_CHARS,
    MAX_POST_CHARS,
    MAX_ROWS,
    MAX_STAFF_NUMBER_CHARS,
    REQUIRED,
    SHEET_TITLE,
    STAFF_NUMBER,
    TEMPLATE_HEADERS,
)

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
