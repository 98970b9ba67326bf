"""Backup and restore (备份与恢复) of the database and the uploaded media, as one archive.

The database goes in as Django's own serialisation (``dumpdata`` with natural foreign keys), so an
archive restores on SQLite or PostgreSQL alike and needs no client binary; the media files are
copied through the storage API, so object storage works too. A restore is all or nothing: it
refuses an archive made at other migrations, empties the database, loads the data, checks every
table's row count against the archive's manifest and only then commits.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from training.org.audit import audit_suspended

FORMAT = 1
# Rebuilt rather than restored: content types and permissions (by flush), sessions, search index.
EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "wagtailsearch.indexentry",
    "wagtailsearch.sqliteftsindexentry",
    "wagtailadmin.editingsession",
]


class BackupError(Exception):
    """The archive cannot be restored here; the message says why."""


def _exclude_labels() -> list[str]:
    """EXCLUDE as dumpdata wants it: only models this database backend has (the SQLite full-text
    index model exists only on SQLite)."""
    known = {m._meta.label_lower for m in apps.get_models()} | {a.label for a in apps.get_app_configs()}
    return [label for label in EXCLUDE if label in known]


def _excluded(model) -> bool:
    label = model._meta.label_lower
    return model._meta.app_label in EXCLUDE or label in EXCLUDE


def _counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m._base_manager.count()
        for m in apps.get_models()
        if not _excluded(m) and m._meta.managed and not m._meta.proxy
    }


def _migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _media_files(folder: str = "") -> list[str]:
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{f}" if folder else f for f in files]
    for d in dirs:
        names += _media_files(f"{folder}/{d}" if folder else d)
    return names


def backup_create(*, output: Path | None = None, media: bool = True) -> Path:
    """Write a ``.tar.gz`` with ``manifest.json``, ``data.json`` and ``media/``; returns its path."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    output = Path(output) if output else Path("var/backups") / f"academy-{stamp}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "data.json"
        with transaction.atomic():  # one consistent view of the data and its counts
            with data_path.open("w", encoding="utf-8") as fh:
                call_command(
                    "dumpdata",
                    natural_foreign=True,
                    exclude=_exclude_labels(),
                    indent=None,
                    stdout=fh,
                    verbosity=0,
                )
            counts = _counts()
        files = _media_files() if media else []
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": _migrations(),
            "counts": counts,
            "media": len(files),
            "data_sha256": hashlib.sha256(data_path.read_bytes()).hexdigest(),
        }
        partial = output.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
            archive.add(data_path, arcname="data.json")
            for name in files:
                with default_storage.open(name, "rb") as fh:
                    content = fh.read()
                info = tarfile.TarInfo(f"media/{name}")
                info.size = len(content)
                info.mtime = int(datetime.datetime.now().timestamp())
                archive.addfile(info, io.BytesIO(content))
        partial.rename(output)  # a backup either exists whole or not at all
    return output


def backup_restore(*, path: Path) -> dict:
    """Replace the database and media with an archive's. Returns the manifest."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path}: not a backup archive ({exc})") from exc
    with archive, tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = json.load(archive.extractfile("manifest.json"))
            data = archive.extractfile("data.json").read()
        except (KeyError, AttributeError, ValueError) as exc:
            raise BackupError(f"{path}: manifest.json or data.json missing or unreadable") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{path}: archive format {manifest.get('format')}, this version reads {FORMAT}")
        if hashlib.sha256(data).hexdigest() != manifest.get("data_sha256"):
            raise BackupError(f"{path}: data.json does not match its checksum; the archive is damaged")
        here = set(_migrations())
        there = set(manifest.get("migrations", []))
        if here != there:
            missing, extra = sorted(there - here), sorted(here - there)
            raise BackupError(
                f"{path}: made at other migrations (this database lacks {missing[:5]}, has extra "
                f"{extra[:5]}); run the matching version of the product, or migrate, first"
            )
        data_path = Path(tmp) / "data.json"
        data_path.write_bytes(data)
        media = [m for m in archive.getmembers() if m.isfile() and m.name.startswith("media/")]
        for member in media:
            name = member.name.removeprefix("media/")
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"{path}: unsafe media path {member.name!r}")
        with transaction.atomic():
            postgres = connection.vendor == "postgresql"
            if postgres:
                # TRUNCATE refuses while deferred foreign-key checks are pending in the transaction;
                # run them now, and defer them again so the rows can load in any order.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with audit_suspended():
                call_command("flush", interactive=False, verbosity=0)
                # flush recreated the content types under new ids: forget the old ones.
                ContentType.objects.clear_cache()
                if postgres:
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                call_command("loaddata", str(data_path), verbosity=0)
            counts = _counts()
            expected = manifest.get("counts", {})
            wrong = {k: (v, counts.get(k)) for k, v in expected.items() if counts.get(k) != v}
            if wrong:
                raise BackupError(f"{path}: row counts differ after loading (expected, found): {wrong}")
            for member in media:
                name = member.name.removeprefix("media/")
                content = archive.extractfile(member).read()
                if default_storage.exists(name):
                    default_storage.delete(name)
                saved = default_storage.save(name, ContentFile(content))
                if saved != name:
                    raise BackupError(f"media file {name} was stored as {saved}")
    call_command("update_index", verbosity=0)
    # Nothing kept from the replaced data: figures, pages and counts are read afresh.
    cache.clear()
    return manifest
