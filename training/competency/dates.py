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
