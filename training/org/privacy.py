"""Masking of personal data (个人信息脱敏): ID numbers and phones are shown whole only to a role that
needs them."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """110101********1234: the region code and the last four characters stay."""
    value = (value or "").strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def may_see_personal_data(scope) -> bool:
    """Only administrators see whole ID numbers and phones; managers see them masked."""
    return bool(getattr(scope, "is_admin", False))
