"""Personal data of one person (个人数据): the copy they can download, and the erasure of someone
who left (离职人员信息删除).

The org app is the bottom layer and must not import the apps above it, yet the data of a person is
spread over all of them (attempts in exams, certifications in competency, assignments in plans…).
So this module keeps two registries that each app fills in its ``AppConfig.ready()``:

- a *collector* ``collect(export: PersonalDataExport) -> None`` adds the sections (tables) and
  attachments its app holds about ``export.staff`` / ``export.user``, in a fixed number of queries;
- an *eraser* ``erase(erasure: Erasure) -> None`` blanks the free text its app holds about the
  person and removes what only served them, keeping the rows that statistics count (attempts,
  certifications, progress, assignments) attached to the anonymised record.

The services ``personal_data_export`` and ``staff_erase`` (in ``services.py``) run them.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from .models import Staff

# --- registries ----------------------------------------------------------------------------------

Collector = Callable[["PersonalDataExport"], None]
Eraser = Callable[["Erasure"], None]

_collectors: dict[str, tuple[int, Collector]] = {}
_erasers: dict[str, tuple[int, Eraser]] = {}


def register_collector(uid: str, collector: Collector, *, order: int = 100) -> None:
    """Let an app contribute its part of a person's data download (lower ``order`` comes first).
    Registering the same ``uid`` again replaces the entry, so ``ready()`` may run twice."""
    _collectors[uid] = (order, collector)


def register_eraser(uid: str, eraser: Eraser, *, order: int = 100) -> None:
    """Let an app contribute its part of erasing a person. Erasers run inside one transaction,
    lower ``order`` first; the org app's own runs last, after the others found their rows by the
    person's name and numbers."""
    _erasers[uid] = (order, eraser)


def unregister(uid: str) -> None:
    """Remove a collector or eraser (for tests that add a faulty one)."""
    _collectors.pop(uid, None)
    _erasers.pop(uid, None)


def collectors() -> list[Collector]:
    return [c for _, c in sorted(_collectors.values(), key=lambda entry: entry[0])]


def erasers() -> list[Eraser]:
    return [e for _, e in sorted(_erasers.values(), key=lambda entry: entry[0])]


# --- the download --------------------------------------------------------------------------------


@dataclass
class Section:
    """One table of the download: ``columns`` are (key, label) pairs, ``rows`` dicts by key."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


@dataclass
class Attachment:
    """A file put into the archive as it is (a certificate PDF); ``path`` is ASCII on purpose:
    the zip tools of older Windows garble non-ASCII names inside archives."""

    path: str
    title: str
    data: bytes


@dataclass
class PersonalDataExport:
    """What the collectors fill in for one person."""

    staff: Staff
    user: Any
    verify_base: str = "/"
    sections: list[Section] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    # Conditions on AuditEvent that pick the events about this person; each app adds its own
    # (e.g. the competency app: events about their certifications). The org collector reads them.
    audit_q: list[Q] = field(default_factory=list)

    def add(self, section: Section) -> Section:
        self.sections.append(section)
        return section


def label_of(model: type[Model], name: str) -> str:
    """A field's verbose name (already in the catalogue), capitalised as a column heading."""
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def columns_of(model: type[Model], names: Iterable[str], **extra: str) -> list[tuple[str, str]]:
    """Columns for ``names``: a model field's verbose name, or the label given in ``extra``."""
    return [(n, str(extra[n]) if n in extra else label_of(model, n)) for n in names]


def plain(value: Any) -> Any:
    """A value as JSON can hold it: dates ISO, decimals as strings, lazy text as text."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def export_as_json(export: PersonalDataExport, *, generated_at: datetime.datetime) -> str:
    """The machine-readable part: every section with its column labels and rows, UTF-8 text."""
    document = {
        "platform": "基层人社学堂 Station Academy",
        "generated_at": generated_at.isoformat(),
        "subject": {"staff_id": export.staff.pk, "user_id": export.user.pk},
        "sections": [
            {
                "key": s.key,
                "title": str(s.title),
                "columns": {key: str(label) for key, label in s.columns},
                "rows": [{key: plain(row.get(key)) for key, _ in s.columns} for row in s.rows],
            }
            for s in export.sections
        ],
        "attachments": [{"path": a.path, "title": str(a.title)} for a in export.attachments],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


# --- erasure -------------------------------------------------------------------------------------


def json_escaped(term: str) -> str:
    """How ``term`` looks inside JSON text that was written with ASCII escapes (Django's JSONField
    on SQLite stores 张 as \\u5f20; PostgreSQL's jsonb prints it as is)."""
    return json.dumps(term)[1:-1]


@dataclass
class Erasure:
    """The person being erased and the words to remove wherever they appear.

    ``terms`` are their name, ID number, phone, e-mail, login name and account names; ``label`` is
    the neutral name that replaces the name (已注销人员 #<id>). ``protected`` are longer names of
    other people that contain one of the terms (张伟明 for 张伟): their occurrences are left alone.
    ``counts`` collects what each eraser changed, for the audit entry (numbers only)."""

    staff: Staff
    user: Any
    label: str
    terms: list[str]
    protected: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n

    def scrub(self, text: str) -> str:
        """``text`` with every term replaced by the label."""
        if not text or not self.terms:
            return text
        keep: dict[str, str] = {}
        for i, name in enumerate(self.protected):
            if name in text:
                token = f"\x00{i}\x00"
                keep[token] = name
                text = text.replace(name, token)
        pattern = "|".join(re.escape(t) for t in sorted(self.terms, key=len, reverse=True))
        text = re.sub(pattern, self.label, text)
        for token, name in keep.items():
            text = text.replace(token, name)
        return text

    def scrub_value(self, value: Any) -> Any:
        """``scrub`` through a JSON value (dict keys and strings)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_value(v) for v in value]
        return value

    def text_q(self, *fields: str, json_fields: Iterable[str] = ()) -> Q:
        """Rows where a text field, or a JSON field read as text (annotate ``<field>_astext``
        first with ``astext``), contains a term."""
        q = Q(pk__in=[])
        for term in self.terms:
            for name in fields:
                q |= Q(**{f"{name}__contains": term})
            for name in json_fields:
                q |= Q(**{f"{name}_astext__contains": term})
                escaped = json_escaped(term)
                if escaped != term:
                    q |= Q(**{f"{name}_astext__contains": escaped})
        return q

    def scrub_rows(self, queryset, *fields: str, json_fields: Iterable[str] = (), key: str = "") -> int:
        """Scrub the terms out of ``fields`` (text) and ``json_fields`` of every row of ``queryset``
        that contains one; returns how many rows changed. One query to find them, one save each
        (rows that name a person are few)."""
        json_fields = list(json_fields)
        if not self.terms:
            return 0
        qs = queryset.annotate(**astext(*json_fields)).filter(self.text_q(*fields, json_fields=json_fields))
        changed = 0
        model = queryset.model
        for row in qs:
            updates = {}
            for name in [*fields, *json_fields]:
                old = getattr(row, name)
                new = self.scrub_value(old)
                if new != old:
                    updates[name] = new
            if updates:
                model._base_manager.filter(pk=row.pk).update(**updates)
                changed += 1
        self.count(key or model._meta.label_lower, changed)
        return changed


def astext(*json_fields: str) -> dict:
    """Annotations ``<field>_astext`` reading a JSON field as its stored text (see ``text_q``)."""
    return {f"{name}_astext": Cast(name, TextField()) for name in json_fields}


ERASED_LABEL = "已注销人员 #{pk}"
ERASED_USERNAME = "erased-{pk}"


# --- the org app's own part ----------------------------------------------------------------------


def collect_org(export: PersonalDataExport) -> None:
    """Account, staff record (with the whole ID number and phone: they are the person's own),
    transfers and roles. Four queries."""
    from django.contrib.auth import get_user_model

    from .models import RoleAssignment, StaffTransfer
    from .services import unit_labels

    user, staff = export.user, export.staff
    user_model = get_user_model()
    account = ["username", "email", "first_name", "date_joined", "last_login"]
    export.add(
        Section(
            "account",
            _("Account"),
            columns_of(user_model, account),
            [{name: getattr(user, name) for name in account}],
        )
    )
    unit = staff.org_unit
    record = ["name", "id_number", "phone", "org_unit", "post", "employment", "speciality", "hire_date"]
    export.add(
        Section(
            "staff",
            _("Staff record"),
            columns_of(Staff, record) + [("is_active", label_of(Staff, "is_active"))],
            [
                {
                    "name": staff.name,
                    "id_number": staff.id_number or "",
                    "phone": staff.phone,
                    "org_unit": unit_labels([unit])[unit.pk],
                    "post": staff.post,
                    "employment": staff.get_employment_display(),
                    "speciality": staff.speciality.name if staff.speciality else "",
                    "hire_date": staff.hire_date,
                    "is_active": staff.is_active,
                }
            ],
        )
    )
    transfers = ["on", "from_unit_label", "to_unit_label", "source"]
    export.add(
        Section(
            "transfers",
            _("Transfers between units"),
            columns_of(StaffTransfer, transfers),
            list(StaffTransfer.objects.filter(staff=staff).order_by("on", "pk").values(*transfers)),
        )
    )
    roles = list(
        RoleAssignment.objects.filter(user=user).select_related("org_unit").prefetch_related("areas")
    )
    labels = unit_labels([r.org_unit for r in roles if r.org_unit is not None]) if roles else {}
    export.add(
        Section(
            "roles",
            _("Roles"),
            columns_of(RoleAssignment, ["role", "org_unit", "areas"]),
            [
                {
                    "role": r.get_role_display(),
                    "org_unit": labels.get(r.org_unit_id, ""),
                    "areas": "、".join(a.name for a in r.areas.all()),
                }
                for r in roles
            ],
        )
    )
    export.audit_q.append(Q(actor=user) | Q(target=user.get_username()))


def collect_audit(export: PersonalDataExport) -> None:
    """The audit entries about the person (操作审计): what they did, and what others did to their
    account and records (the apps above add their conditions). One query."""
    from .models import AuditEvent

    q = Q(pk__in=[])
    for condition in export.audit_q:
        q |= condition
    events = (
        AuditEvent.objects.filter(q)
        .order_by("at", "pk")
        .values("at", "action", "target", "details", "actor_id")
    )
    export.add(
        Section(
            "audit",
            _("Audit entries about you"),
            columns_of(AuditEvent, ["at", "action", "target", "details"]) + [("by", _("Done by"))],
            [
                {
                    **e,
                    "details": json.dumps(plain(e["details"]), ensure_ascii=False) if e["details"] else "",
                    "by": _("you")
                    if e["actor_id"] == export.user.pk
                    else (_("system") if e["actor_id"] is None else _("another member of staff")),
                }
                for e in events
            ],
        )
    )


def erase_org(erasure: Erasure) -> None:
    """Last of the erasers: the audit trail's and the admin logs' text, the account, the staff
    record, roles, own background jobs, avatar and sessions."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from wagtail.models import ModelLogEntry, PageLogEntry
    from wagtail.users.models import UserProfile

    from .choices import Role
    from .models import AuditEvent, Job, RoleAssignment

    staff, user = erasure.staff, erasure.user
    username = user.get_username()

    # Their own background jobs (exports they ran as a manager) and the files they made.
    for job in Job.objects.filter(user=user):
        if job.result:
            job.result.delete(save=False)
        job.delete()
        erasure.count("jobs", 1)
    for profile in UserProfile.objects.filter(user=user):
        if profile.avatar:
            profile.avatar.delete(save=False)
            profile.avatar = None
            profile.save(update_fields=["avatar"])

    # No role but the learner's (the rows statistics count hang off the learner); no admin access.
    n, _kinds = RoleAssignment.objects.filter(user=user).exclude(role=Role.LEARNER).delete()
    erasure.count("roles", n)
    user.groups.clear()
    user.user_permissions.clear()

    # The account: a neutral login name, nothing personal, no password, no access.
    user.username = ERASED_USERNAME.format(pk=user.pk)
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.password = make_password(None)
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.save()

    # Every open session of the login ends (the new password hash already invalidates them;
    # the rows go too).
    key = str(user.pk)
    ended = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
        if s.get_decoded().get("_auth_user_id") == key
    ]
    Session.objects.filter(session_key__in=ended).delete()
    erasure.count("sessions", len(ended))

    # The staff record stays (attempts, certifications, progress and assignments hang off it) but
    # names nobody; ``save`` so the apps above see a person who left (plans mark their open tasks).
    staff.name = erasure.label
    staff.id_number = None
    staff.phone = ""
    staff.hire_date = None
    staff.is_active = False
    staff.save(update_fields=["name", "id_number", "phone", "hire_date", "is_active"])

    # Last, the text that names them in entries written by or about them (and by anyone else),
    # including the entries the steps above just caused (role and permission changes are audited
    # as they happen, under the login name they had).
    erasure.scrub_rows(AuditEvent.objects.all(), "target", json_fields=["details"], key="audit_events")
    n = AuditEvent.objects.filter(target=username).update(target=erasure.label)
    erasure.count("audit_events", n)
    erasure.scrub_rows(ModelLogEntry.objects.all(), "label", json_fields=["data"], key="wagtail_log")
    erasure.scrub_rows(PageLogEntry.objects.all(), "label", json_fields=["data"], key="wagtail_log")
    erasure.scrub_rows(LogEntry.objects.all(), "object_repr", "change_message", key="admin_log")


def is_erased(staff: Staff) -> bool:
    """Whether the person was erased already (their login name is the neutral one)."""
    return staff.user.get_username() == ERASED_USERNAME.format(pk=staff.user_id)


# --- running them ---------------------------------------------------------------------------------

README_TEXT = """基层人社学堂 · 个人数据副本
Station Academy · a copy of your personal data

personal-data.html  用浏览器打开即可阅读（Open in any web browser）
personal-data.json  同样的内容，机器可读，UTF-8 编码（The same content, machine-readable, UTF-8）
certificates/       您的证书 PDF（Your certificates as PDF）

本文件含有您的身份证号、手机号等个人信息，请妥善保管，不要转发给他人。
This archive holds your ID number and phone: keep it safe and do not pass it on.
"""


def personal_data_collect(*, staff: Staff, verify_base: str = "/") -> PersonalDataExport:
    """Run every registered collector for ``staff``; each adds its sections in a fixed number of
    queries, so the whole costs the same for a newcomer and for someone with years of records."""
    export = PersonalDataExport(staff=staff, user=staff.user, verify_base=verify_base)
    for collector in collectors():
        collector(export)
    return export


def personal_data_archive(export: PersonalDataExport, *, generated_at: datetime.datetime) -> bytes:
    """The zip the person downloads: a readable HTML page, the same as JSON, their certificate PDFs
    and a short README (file names ASCII, contents UTF-8)."""
    import io
    import zipfile

    from django.template.loader import render_to_string

    html = render_to_string(
        "org/personal_data.html",
        {
            "staff": export.staff,
            "sections": [
                {
                    "section": s,
                    "rows": [[_display(row.get(key)) for key, _label in s.columns] for row in s.rows],
                }
                for s in export.sections
            ],
            "attachments": export.attachments,
            "generated_at": generated_at,
        },
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README_TEXT)
        archive.writestr("personal-data.html", html)
        archive.writestr("personal-data.json", export_as_json(export, generated_at=generated_at))
        for attachment in export.attachments:
            archive.writestr(attachment.path, attachment.data)
    return buffer.getvalue()


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(plain(value), ensure_ascii=False)
    return str(plain(value))
