"""Login names without ID digits (登录名去除身份证号数字).

Roster imports used to name a new login "r" + the last 8 characters of the ID number (with "-2",
"-3" … when taken). Beside the masked form (360102********3718) that left only the birth year
hidden. Every login whose name is exactly that, for its own staff record's ID number, is renamed
to "u" + the next number of the ``login_name`` counter (the counter new roster imports use), and
its owner is told the new name in the notification centre. Passwords, sessions, two-factor devices
and everything else about the account stay as they are. Names chosen otherwise are left alone.

The notification is stored in Chinese, the site's language (zh-hans is the default and the only
language learners use); a migration cannot depend on the translation catalogue being compiled
when it runs. It does not repeat the old name, which is what carried the digits.
"""

import re

from django.conf import settings
from django.db import migrations
from django.db.models import F
from django.utils import timezone

COUNTER = "login_name"
TITLE = "您的登录名已更改"
BODY = (
    "为保护您的身份证号码，系统已不再用身份证号的后几位作登录名。"
    "您的登录名已改为：{name}\n"
    "请今后用这个登录名登录，密码不变；已登录的设备无需重新登录。"
)
AUDIT_REASON = "login name carried ID digits"


def _old_style(username: str, id_number: str) -> bool:
    base = ("r" + id_number[-8:]).lower()
    name = username.lower()
    return name == base or re.fullmatch(re.escape(base) + r"-\d+", name) is not None


def rename_logins(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Staff = apps.get_model("org", "Staff")
    Counter = apps.get_model("org", "Counter")
    Notification = apps.get_model("notify", "Notification")
    AuditEvent = apps.get_model("org", "AuditEvent")
    field = User.USERNAME_FIELD if hasattr(User, "USERNAME_FIELD") else "username"

    rows = (
        Staff.objects.filter(id_number__isnull=False, **{f"user__{field}__istartswith": "r"})
        .order_by("user_id")
        .values_list("user_id", f"user__{field}", "id_number")
    )
    people = [uid for uid, name, number in rows if _old_style(name, number)]
    if not people:
        return

    names: list[str] = []
    while len(names) < len(people):
        count = len(people) - len(names)
        if not Counter.objects.filter(name=COUNTER).update(last=F("last") + count):
            Counter.objects.create(name=COUNTER, last=count)
        last = Counter.objects.get(name=COUNTER).last
        candidates = [f"u{n}" for n in range(last - count + 1, last + 1)]
        taken = set(User.objects.filter(**{f"{field}__in": candidates}).values_list(field, flat=True))
        names.extend(name for name in candidates if name not in taken)

    now = timezone.now()
    for uid, name in zip(people, names, strict=True):
        User.objects.filter(pk=uid).update(**{field: name})
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=uid,
                kind="login_renamed",
                title=TITLE,
                body=BODY.format(name=name),
                url="",
                dedupe_key="login_renamed:id_digits",
                created_at=now,
            )
            for uid, name in zip(people, names, strict=True)
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(actor=None, action="account.rename", target=name, details={"reason": AUDIT_REASON})
            for name in names
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("org", "0007_counter_for_login_names"),
        ("notify", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Not undone: the old names are what the rename removes.
        migrations.RunPython(rename_logins, migrations.RunPython.noop, elidable=True),
    ]
