"""The secret key of a site started without ``DJANGO_SECRET_KEY`` (embedded mode, ``make run``).

Sessions, messages, password-reset links and signed tokens are signed with ``SECRET_KEY``; a key
written in the source is known to everyone who can read it, so a cookie signed with it would be
forged at will. Instead the first start writes a random key to a file under ``var/`` (mode 0600)
and every later start, and every other process on the machine, reads the same file.

Production settings never get here: they refuse to start without ``DJANGO_SECRET_KEY`` (several
machines must share one key, and a key must outlive the machine's disk).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


class SecretKeyFileError(RuntimeError):
    """The key file exists but holds no key (truncated by hand, or a full disk)."""


def embedded_secret_key(path: Path) -> str:
    """The key kept in ``path``, made at random on the first call. Two processes starting at the
    same moment agree: the key is written to a private temporary file and then hard-linked to
    ``path``, which either creates the whole file at once or fails because the other process was
    first (its key is then read); a half-written key file is never visible."""
    key = _read(path)
    if key is not None:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(64) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # When another process linked its key first, that one is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    key = _read(path)
    if key is None:  # pragma: no cover - the file was removed between the link and the read
        raise SecretKeyFileError(f"{path} disappeared while it was being created; start again")
    return key


def _read(path: Path) -> str | None:
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    if not key:
        raise SecretKeyFileError(
            f"{path} is empty: delete it to make a new key (signed-in people must then log in again)"
        )
    return key
