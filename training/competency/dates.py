"""Pure date arithmetic of certifications (有效期)."""

from __future__ import annotations

import datetime


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def status_on(*, expires_on: datetime.date, revoked: bool, today: datetime.date, expiring_days: int) -> str:
    """Status on a given day: revoked wins; past expiry is expired; inside the window, expiring."""
    if revoked:
        return "revoked"
    if expires_on < today:
        return "expired"
    if (expires_on - today).days <= expiring_days:
        return "expiring"
    return "valid"


def renewal_opens_on(*, expires_on: datetime.date, window_days: int) -> datetime.date:
    """The first day a certification can be renewed (续证窗口)."""
    return expires_on - datetime.timedelta(days=window_days)


def renewed_expiry(
    *, expires_on: datetime.date, renewed_on: datetime.date, validity_years: int
) -> datetime.date:
    """Renewing inside the window (or on the expiry day) extends from the old expiry date, so
    renewing early loses nothing; renewing after it lapsed extends from the renewal date."""
    base = expires_on if renewed_on <= expires_on else renewed_on
    return add_years(base, validity_years)


def mask_name(name: str) -> str:
    """张*明 for 张小明, 李* for 李四, 欧阳** for 欧阳娜娜: the first and last character stay for
    three or more characters, a compound surname keeps its two characters."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    if len(name) == 4:
        return name[:2] + "**"
    return name[0] + "*" * (len(name) - 2) + name[-1]
