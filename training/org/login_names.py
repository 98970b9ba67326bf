"""Login names of new staff (登录名): the staff number (工号) where the roster gives one, else "u"
followed by the next number of the ``login_name`` counter (u1, u2 …).

A login name is shown where the ID number itself is masked (lists, the audit log, exports), so it
never carries digits of the ID number: the old names, "r" + the last 8 characters of the ID
number, left only the birth year hidden next to the masked form (360102********3718). A staff
number with a run of 6 digits of the person's ID number is refused for the same reason.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from .models import Counter

LOGIN_NAME_COUNTER = "login_name"
SEQUENCE_PREFIX = "u"
ID_RUN = 6  # the same run the password rules refuse
_DIGIT_RUN_RE = re.compile(rf"\d{{{ID_RUN},}}")


@transaction.atomic
def counter_take(*, name: str, count: int) -> range:
    """The next ``count`` numbers of the counter ``name`` (编号计数器), never handed out twice: the
    row's UPDATE locks it until the caller's transaction ends, so a second import at the same
    moment waits and then continues after these numbers (a rolled-back import gives its numbers
    back). Two queries."""
    if count <= 0:
        return range(0)
    if not Counter.objects.filter(name=name).update(last=F("last") + count):
        Counter.objects.bulk_create([Counter(name=name)], ignore_conflicts=True)
        Counter.objects.filter(name=name).update(last=F("last") + count)
    last = Counter.objects.filter(name=name).values_list("last", flat=True).get()
    return range(last - count + 1, last + 1)


def shares_id_digits(login_name: str, id_number: str) -> bool:
    """Whether ``login_name`` holds a run of 6 or more digits that also appears in the ID number."""
    for run in _DIGIT_RUN_RE.findall(login_name):
        for start in range(len(run) - ID_RUN + 1):
            if run[start : start + ID_RUN] in id_number:
                return True
    return False


def login_names_taken(names: list[str]) -> set[str]:
    """Which of ``names`` an account already uses, compared without case (so 'DH001' and 'dh001'
    are never two people); lower-cased. One query per 500 names, on the unique index."""
    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    wanted = sorted({form for name in names for form in (name, name.lower(), name.upper())})
    taken: set[str] = set()
    for start in range(0, len(wanted), 1500):
        part = wanted[start : start + 1500]
        rows = user_model.objects.filter(**{f"{field}__in": part}).values_list(field, flat=True)
        taken.update(name.lower() for name in rows)
    return taken


def sequence_login_names(count: int) -> list[str]:
    """``count`` new login names "u" + the next numbers of the counter, skipping any an account
    already has (made by hand); call inside the transaction that creates the accounts."""
    names: list[str] = []
    while len(names) < count:
        numbers = counter_take(name=LOGIN_NAME_COUNTER, count=count - len(names))
        candidates = [f"{SEQUENCE_PREFIX}{n}" for n in numbers]
        taken = login_names_taken(candidates)
        names.extend(name for name in candidates if name not in taken)
    return names
