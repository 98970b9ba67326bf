"""Apply (写入): the checked people written in one go. A known ID number updates the person (a
changed unit is a transfer, kept as ``StaffTransfer``); a new one gets a login and a staff record.
And ``roster_import``, the whole import: parse → validate → apply in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from ..audit import audit_record
from ..login_names import login_names_taken, sequence_login_names
from ..models import Staff, StaffTransfer
from ..services import NewStaff, chunks, staff_changed_announce, staff_create_many
from .columns import STAFF_NUMBER
from .parse import RosterSheet, read_roster
from .problems import RosterInvalid, RosterIssue
from .validate import Catalogue, Person, validate_roster


@dataclass
class RosterSummary:
    """What an import did (导入结果)."""

    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    transferred: int = 0
    unchanged: int = 0
    audit_event_id: int | None = None
    usernames: dict[str, str] = field(default_factory=dict, repr=False)  # new ID number → username

    def as_details(self) -> dict:
        details = asdict(self)
        details.pop("usernames")
        details.pop("audit_event_id")
        return details


_STAFF_FIELDS = ("name", "org_unit_id", "post", "employment", "speciality_id", "phone", "is_active")
_LOADED_FIELDS = (
    "user",
    "id_number",
    "name",
    "org_unit",
    "post",
    "employment",
    "speciality",
    "phone",
    "is_active",
)


@transaction.atomic
def roster_import(
    *,
    data: bytes,
    filename: str,
    actor=None,
    on: datetime.date | None = None,
    sheet: RosterSheet | None = None,
) -> RosterSummary:
    """Import a roster (花名册导入), all or nothing: raises ``RosterInvalid`` listing every problem
    by row and column, and writes nothing, if anything is wrong. Otherwise creates new people,
    updates known ones (matched by ID number; a person listed again is active again), records a
    transfer for each whose unit changed, and audits the import as ``roster.import``. ``sheet``:
    the file already read by ``read_roster`` (it is checked again here, in the transaction)."""
    sheet = sheet or read_roster(data, filename=filename)
    catalogue = Catalogue.load()
    people = validate_roster(sheet, catalogue)
    return apply_roster(
        people,
        catalogue=catalogue,
        filename=filename,
        actor=actor,
        on=on,
        staff_number_letter=sheet.letters.get(STAFF_NUMBER),
    )


@dataclass
class _Changes:
    """What writing the checked people changes: who is new, whose row changes, whose login name
    (shown name) changes, and who moves from one unit to another."""

    new_people: list[Person] = field(default_factory=list)
    changed: list[Staff] = field(default_factory=list)
    renamed_users: list[tuple[int, str]] = field(default_factory=list)
    moves: list[tuple[Staff, int, int]] = field(default_factory=list)


def apply_roster(
    people: list[Person],
    *,
    catalogue: Catalogue,
    filename: str,
    actor=None,
    on: datetime.date | None = None,
    staff_number_letter: str | None = None,
) -> RosterSummary:
    """Write validated people; run inside the import's transaction (``roster_import``), so that a
    staff number already taken (``RosterInvalid``) or any failure leaves nothing written."""
    summary = RosterSummary(file=filename, rows=len(people))
    changes = _changes(people, summary)
    summary.created = len(changes.new_people)
    usernames = _usernames_for(changes.new_people, letter=staff_number_letter)

    event = audit_record(actor=actor, action="roster.import", target=filename, details=summary.as_details())
    summary.audit_event_id = event.pk

    created = staff_create_many(
        people=[
            NewStaff(
                username=usernames[p.id_number],
                name=p.name,
                org_unit_id=p.unit_id,
                post=p.post,
                employment=p.employment,
                speciality_id=p.speciality_id,
                id_number=p.id_number,
                phone=p.phone,
            )
            for p in changes.new_people
        ]
    )
    summary.usernames = usernames
    _update_rows(
        Staff,
        list(_STAFF_FIELDS),
        [[getattr(st, f) for f in _STAFF_FIELDS] + [st.pk] for st in changes.changed],
    )
    _update_rows(get_user_model(), ["first_name"], [[name[:150], pk] for pk, name in changes.renamed_users])
    _record_transfers(
        changes.moves,
        catalogue=catalogue,
        on=on or timezone.localdate(),
        source=f"roster import #{event.pk}",
        actor=actor if getattr(actor, "pk", None) else None,
    )
    staff_changed_announce([s.pk for s in created] + [s.pk for s, _, _ in changes.moves])
    return summary


def _existing_staff(people: list[Person]) -> dict[str, Staff]:
    """The staff already known by the people's ID numbers (one query per 500 people)."""
    existing: dict[str, Staff] = {}
    for part in chunks([p.id_number for p in people]):
        for staff in Staff.objects.filter(id_number__in=part).order_by().only(*_LOADED_FIELDS):
            existing[staff.id_number] = staff
    return existing


def _changes(people: list[Person], summary: RosterSummary) -> _Changes:
    """Compare each person with the staff row of their ID number (changing the loaded rows in
    place) and count updated, transferred and unchanged people in ``summary``."""
    existing = _existing_staff(people)
    changes = _Changes()
    for person in people:
        staff = existing.get(person.id_number)
        if staff is None:
            changes.new_people.append(person)
            continue
        wanted = {
            "name": person.name,
            "org_unit_id": person.unit_id,
            "post": person.post,
            "employment": person.employment,
            "speciality_id": person.speciality_id,
            "phone": person.phone,
            "is_active": True,
        }
        diff = {k: v for k, v in wanted.items() if getattr(staff, k) != v}
        if not diff:
            summary.unchanged += 1
            continue
        if "org_unit_id" in diff:
            changes.moves.append((staff, staff.org_unit_id, person.unit_id))
            summary.transferred += 1
        else:
            summary.updated += 1
        if "name" in diff:
            changes.renamed_users.append((staff.user_id, person.name))
        for k, v in diff.items():
            setattr(staff, k, v)
        changes.changed.append(staff)
    return changes


def _record_transfers(
    moves: list[tuple[Staff, int, int]], *, catalogue: Catalogue, on: datetime.date, source: str, actor
) -> None:
    StaffTransfer.objects.bulk_create(
        [
            StaffTransfer(
                staff=staff,
                from_unit_id=from_id,
                to_unit_id=to_id,
                from_unit_label=catalogue.unit_label.get(from_id, "")[:400],
                to_unit_label=catalogue.unit_label.get(to_id, "")[:400],
                on=on,
                source=source,
                actor=actor,
            )
            for staff, from_id, to_id in moves
        ],
        batch_size=500,
    )


def _update_rows(model, fields: list[str], rows: list[list]) -> None:
    """``UPDATE … SET fields WHERE pk`` for many rows in one ``executemany``: Django's
    ``bulk_update`` builds a CASE per field and row, which grows too slow for a province's roster
    (figures in bench/RESULTS.md)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(f"{quote(meta.get_field(f).column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _usernames_for(people: list[Person], *, letter: str | None) -> dict[str, str]:
    """The login name of each new person, by ID number: their staff number (工号) where the row has
    one, else "u" + the next sequence number. Raises ``RosterInvalid`` naming every row whose staff
    number an account already uses. A constant number of queries per 500 people."""
    numbered = [p for p in people if p.staff_number]
    taken = login_names_taken([p.staff_number for p in numbered])
    clashes = [p for p in numbered if p.staff_number.lower() in taken]
    if clashes:
        raise RosterInvalid(
            [
                RosterIssue(
                    p.row,
                    STAFF_NUMBER,
                    letter,
                    f"“{p.staff_number}”已是另一个账号的登录名：工号用作登录名，请核对后改填或留空（留空则自动编号）",
                )
                for p in clashes
            ]
        )
    result = {p.id_number: p.staff_number for p in numbered}
    others = [p for p in people if not p.staff_number]
    result.update(zip((p.id_number for p in others), sequence_login_names(len(others)), strict=True))
    return result
