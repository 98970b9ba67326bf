"""A roster's problems (花名册问题), by row and column, in Chinese: any one of them imports nothing."""

from __future__ import annotations

from dataclasses import dataclass


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
