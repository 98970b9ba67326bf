"""Checks every upload passes before it is accepted: size, and content rather than name.

A file's extension is what the uploader typed; its bytes are what a browser or a parser will
meet. Each check here opens or sniffs the bytes the cheap way (a zip directory, a magic number,
Pillow's verifier, openpyxl's reader) and raises a ``ValidationError`` whose message names the
file and says what is wrong with it, in the user's language. Callers are form ``clean_*``
methods (courses/forms.py for Wagtail images, documents and videos; the question and roster
import forms), so a refused file is never stored and never reaches an importer.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import ErrorList
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .wps, .et (compound file)
SNIFF_BYTES = 64 * 1024

# What each document extension must be inside, and the name shown to the user for it.
DOCUMENT_KINDS = {
    "pdf": "PDF",
    "doc": "Word (.doc)",
    "docx": "Word (.docx)",
    "xls": "Excel (.xls)",
    "xlsx": "Excel (.xlsx)",
    "wps": gettext_lazy("WPS Writer (.wps)"),
    "et": gettext_lazy("WPS Spreadsheets (.et)"),
    "odt": "OpenDocument (.odt)",
    "ods": "OpenDocument (.ods)",
    "txt": gettext_lazy("plain text (.txt)"),
}
_ODF_MIMETYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
_OOXML_PART = {"docx": "word/", "xlsx": "xl/"}


def _name(upload: IO) -> str:
    return Path(getattr(upload, "name", "") or "").name or _("(no name)")


def _head(upload: IO, size: int = SNIFF_BYTES) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def check_size(upload: UploadedFile, limit: int) -> None:
    """Refuse an empty file, or one larger than ``limit`` bytes (before anything reads it)."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError(
            _("The file “%(name)s” is empty."), code="empty", params={"name": _name(upload)}
        )
    if size > limit:
        raise ValidationError(
            _("The file “%(name)s” is %(size)s; files of this kind may be at most %(limit)s."),
            code="too_large",
            params={"name": _name(upload), "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )


def _zip_names(upload: IO) -> list[str] | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        upload.seek(0)


def _odf_mimetype(upload: IO) -> bytes | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 200:
                return None
            return archive.read(info).strip()
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return None
    finally:
        upload.seek(0)


def looks_like_text(head: bytes) -> bool:
    """Plain text: no NUL bytes, unless it is UTF-16 with its byte-order mark (old Notepad)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return b"\x00" not in head


def document_content_matches(upload: IO, extension: str) -> bool:
    """Whether the bytes are what ``extension`` says: the magic number or the package layout."""
    extension = extension.lower()
    head = _head(upload)
    if extension == "pdf":
        return b"%PDF-" in head[:1024]
    if extension in ("doc", "xls", "wps", "et"):
        return head.startswith(OLE2_MAGIC)
    if extension in _OOXML_PART:
        names = _zip_names(upload)
        return (
            bool(names)
            and "[Content_Types].xml" in names
            and any(n.startswith(_OOXML_PART[extension]) for n in names)
        )
    if extension in _ODF_MIMETYPES:
        return _odf_mimetype(upload) == _ODF_MIMETYPES[extension]
    if extension == "txt":
        return looks_like_text(head)
    return False


def check_document(upload: UploadedFile, *, limit: int) -> None:
    """A document (Wagtail documents): within ``limit`` and its content matching its extension."""
    check_size(upload, limit)
    extension = Path(upload.name or "").suffix.lstrip(".").lower()
    if extension not in DOCUMENT_KINDS:
        return  # Wagtail's own extension check refuses it with its own message
    if not document_content_matches(upload, extension):
        raise ValidationError(
            _(
                "The content of “%(name)s” is not a %(kind)s file, whatever its extension says. "
                "Save it again in that format, or give it the right extension."
            ),
            code="content_mismatch",
            params={"name": _name(upload), "kind": DOCUMENT_KINDS[extension]},
        )


def broken_image(upload: IO) -> ValidationError:
    return ValidationError(
        _("The file “%(name)s” is not an intact image: it is damaged, cut short or not an image at all."),
        code="broken_image",
        params={"name": _name(upload)},
    )


def check_image(upload: UploadedFile) -> None:
    """An image that Pillow can verify and decode (a renamed or truncated file is refused).

    JPEGs are decoded at reduced scale (``draft``), so a large photo costs little memory; the
    pixel limit has already been checked by Wagtail's image field.
    """
    from PIL import Image, UnidentifiedImageError

    refused = broken_image(upload)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.draft("RGB", (512, 512))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise refused from exc
    finally:
        upload.seek(0)


def check_xlsx(upload: UploadedFile, *, limit: int, unzipped_limit: int) -> None:
    """An Excel workbook (.xlsx) that openpyxl opens, within ``limit`` bytes and
    ``unzipped_limit`` bytes once unpacked (a zip bomb is refused before anything inflates it)."""
    from openpyxl import load_workbook

    check_size(upload, limit)
    not_xlsx = ValidationError(
        _(
            "The file “%(name)s” is not an Excel workbook (.xlsx) and cannot be opened as one. "
            "Save .xls, .et or .csv files as .xlsx first."
        ),
        code="not_xlsx",
        params={"name": _name(upload)},
    )
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise not_xlsx
            if sum(i.file_size for i in infos) > unzipped_limit:
                raise ValidationError(
                    _("The file “%(name)s” unpacks to more than %(limit)s; it was refused."),
                    code="unzipped_too_large",
                    params={"name": _name(upload), "limit": filesizeformat(unzipped_limit)},
                )
        upload.seek(0)
        workbook = load_workbook(upload, read_only=True, data_only=True)
        try:
            if not workbook.sheetnames:
                raise not_xlsx
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception as exc:  # openpyxl raises anything from KeyError to XML parse errors
        raise not_xlsx from exc
    finally:
        upload.seek(0)


def check_text(upload: UploadedFile, *, limit: int, format_name: str) -> None:
    """A plain-text import file (GIFT, Aiken, Moodle XML): within ``limit``, and not binary."""
    check_size(upload, limit)
    if not looks_like_text(_head(upload)):
        raise ValidationError(
            _(
                "The file “%(name)s” is not a text file (it contains binary data); "
                "%(format)s files are plain text."
            ),
            code="not_text",
            params={"name": _name(upload), "format": format_name},
        )


@contextlib.contextmanager
def local_path(upload: UploadedFile) -> Iterator[Path]:
    """A path on disk holding the upload's bytes: the temporary file Django already wrote for a
    large upload, or a temporary copy of a small one kept in memory."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    suffix = Path(upload.name or "").suffix[:10]
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        upload.seek(0)
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        yield Path(copy.name)


class NamesTheFileMixin:
    """For forms: every error on the ``file`` field says which file it is about (Django's and
    Wagtail's own messages do not)."""

    def full_clean(self):
        super().full_clean()
        upload = self.files.get(self.add_prefix("file")) if self.files else None
        if upload is not None and self._errors and "file" in self._errors:
            name = Path(upload.name or "").name
            self._errors["file"] = ErrorList(name_errors(list(self._errors["file"]), name))


def name_errors(errors: list[str], name: str) -> list[str]:
    """Prefix messages that do not yet name the file (Wagtail's own) with the file's name."""
    return [
        message if name in message else _("“%(name)s”: %(error)s") % {"name": name, "error": message}
        for message in errors
    ]
