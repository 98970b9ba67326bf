"""Password rules (密码规则) beyond Django's four: what the 等级保护 (MLPS 2.0) practice asks of
government systems — a mix of character kinds — and what staff of a service point are tempted
to use: the famous Chinese weak passwords, and their own ID-card or phone digits, which anyone
at the counter has seen."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The most used weak passwords of Chinese sites (leaked-list top entries), and the words of our
# own trade; a password containing one of these, whatever else it adds, is refused.
WEAK_FRAGMENTS = (
    "123456",
    "654321",
    "111111",
    "000000",
    "888888",
    "666666",
    "5201314",
    "1314520",
    "woaini",
    "iloveyou",
    "qwerty",
    "1qaz2wsx",
    "1q2w3e4r",
    "zxcvbnm",
    "asdfgh",
    "abc123",
    "password",
    "passw0rd",
    "p@ssw0rd",
    "admin",
    "root",
    "rensheju",
    "renshe",
    "shebao",
    "laodong",
    "jiuye",
    "xuetang",
)


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, and other
    characters (punctuation, Chinese characters)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        kinds = set()
        for ch in password:
            if ch.isascii() and ch.islower():
                kinds.add("lower")
            elif ch.isascii() and ch.isupper():
                kinds.add("upper")
            elif ch.isdigit():
                kinds.add("digit")
            elif not ch.isspace():
                kinds.add("other")
        return len(kinds)

    def validate(self, password: str, user=None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must mix at least %(n)d kind of character: lower-case letters, upper-case "
            "letters, digits, symbols or Chinese characters.",
            "Your password must mix at least %(n)d kinds of character: lower-case letters, upper-case "
            "letters, digits, symbols or Chinese characters.",
            self.min_classes,
        ) % {"n": self.min_classes}


class CommonChinesePasswordValidator:
    """No famous weak password (123456, 5201314, woaini, qwerty…) and no word of our trade
    (renshe, shebao…) inside the password, in any case."""

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        for fragment in WEAK_FRAGMENTS:
            if fragment in lowered:
                raise ValidationError(
                    _("Your password contains “%(part)s”, which is among the first guesses of any attacker.")
                    % {"part": fragment},
                    code="password_weak_fragment",
                )

    def get_help_text(self) -> str:
        return _("Your password can’t contain well-known weak passwords such as 123456 or woaini.")


class PersonalNumberValidator:
    """No run of six or more digits from the person's own ID number (身份证号, including the
    birth date) or mobile number (手机号)."""

    run = 6

    def validate(self, password: str, user=None) -> None:
        numbers = self._numbers(user)
        if not numbers:
            return
        for digits in re.findall(rf"\d{{{self.run},}}", password):
            for i in range(len(digits) - self.run + 1):
                if any(digits[i : i + self.run] in n for n in numbers):
                    raise ValidationError(
                        _("Your password can’t contain digits of your ID number or mobile phone number."),
                        code="password_personal_number",
                    )

    @staticmethod
    def _numbers(user) -> list[str]:
        if user is None or getattr(user, "pk", None) is None:
            return []
        from training.org.models import Staff

        row = Staff.objects.filter(user_id=user.pk).values_list("id_number", "phone").first()
        if row is None:
            return []
        return [re.sub(r"\D", "", n or "") for n in row if n]

    def get_help_text(self) -> str:
        return _("Your password can’t contain digits of your ID number or mobile phone number.")
