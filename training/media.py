"""Serving uploads in embedded mode, with HTTP range requests so that video can seek.

Django's ``static.serve`` answers every request with the whole file; a phone seeking in a
20-minute lesson over a rural link must get only the bytes it asks for. At scale, object storage
or the reverse proxy serves media and this view is not mounted.
"""

from __future__ import annotations

import re
from functools import wraps
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
# An upload is never served as HTML, SVG or script: its Content-Type comes from this allowlist
# (by extension), anything else is a download of application/octet-stream.
SAFE_TYPES_FALLBACK = "application/octet-stream"
INLINE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".pdf": "application/pdf",
}
DOWNLOAD_TYPES = {
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".wps": "application/vnd.ms-works",
    ".et": "application/vnd.ms-excel",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}
# A document served on its own gets no script, no plugin, no styles from elsewhere, and, in a
# sandbox, no origin of ours. PDFs cannot be sandboxed: Chrome then refuses to show them at all
# (its viewer counts as a plugin), so they keep Wagtail's own "default-src 'none'" only.
UPLOAD_CSP = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
PDF_CSP = "default-src 'none'"
# Folders of MEDIA_ROOT that are never served here: export and certificate jobs (their own view
# checks who asks) and Wagtail documents (their view applies collection privacy).
PRIVATE_FOLDERS = ("jobs", "documents")


def upload_content_type(name: str) -> str:
    """Content-Type of an upload, from the allowlists by extension; else octet-stream."""
    suffix = Path(name).suffix.lower()
    return INLINE_TYPES.get(suffix) or DOWNLOAD_TYPES.get(suffix) or SAFE_TYPES_FALLBACK


def harden_upload_response(response, filename: str):
    """Headers every served upload carries: an allowlisted type, nosniff, a sandboxing CSP, and
    ``attachment`` for anything that is not an image, a video, audio or a PDF."""
    content_type = upload_content_type(filename)
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_CSP if content_type == "application/pdf" else UPLOAD_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if content_type in INLINE_TYPES.values():
        response["Content-Disposition"] = "inline"
    else:
        quoted = quote(Path(filename).name)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quoted}"
    return response


def serve_document(view):
    """Wrap Wagtail's document view: same privacy checks, our upload headers on what it serves."""

    @wraps(view)
    def wrapped(request, document_id, document_filename):
        response = view(request, document_id, document_filename)
        if response.status_code in (200, 206) and not response.has_header("Location"):
            harden_upload_response(response, document_filename)
        return response

    return wrapped


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """First byte and last byte (inclusive) of a single ``bytes=`` range, or None if unsatisfiable."""
    match = RANGE_RE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


class _RangeFile:
    """Iterates over bytes [start, end] of a file in chunks."""

    chunk = 64 * 1024

    def __init__(self, path: Path, start: int, end: int):
        self.handle = path.open("rb")
        self.handle.seek(start)
        self.remaining = end - start + 1

    def __iter__(self):
        try:
            while self.remaining > 0:
                data = self.handle.read(min(self.chunk, self.remaining))
                if not data:
                    break
                self.remaining -= len(data)
                yield data
        finally:
            self.handle.close()

    def close(self):
        self.handle.close()


# Folders of MEDIA_ROOT that hold personal data and are fetched only through a view that checks
# who asks: background jobs' results (exports, certificate batches; ``Job.result``), downloaded
# by their owner at /jobs/<id>/download/.
def _is_private(full: Path) -> bool:
    root = Path(settings.MEDIA_ROOT).resolve()
    return any(full.resolve().is_relative_to(root / folder) for folder in PRIVATE_FOLDERS)


@require_safe
def serve_media(request, path: str):
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
    except Exception:
        raise Http404 from None
    if not full.is_file() or _is_private(full):
        raise Http404
    stat = full.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), stat.st_mtime):
        return HttpResponseNotModified()
    content_type = upload_content_type(full.name)
    range_header = request.META.get("HTTP_RANGE")
    if range_header:
        byte_range = _parse_range(range_header, stat.st_size)
        if byte_range is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{stat.st_size}"
            return response
        start, end = byte_range
        response = FileResponse(_RangeFile(full, start, end), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{stat.st_size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(full.open("rb"), content_type=content_type)
        response["Content-Length"] = str(stat.st_size)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = http_date(stat.st_mtime)
    harden_upload_response(response, full.name)
    # "identity" keeps GZipMiddleware off: re-encoding would drop Content-Length and the byte
    # offsets that seeking relies on, and videos and images are compressed already. An upload is
    # sent byte for byte, never with an encoding the browser would undo (a .gz stays a .gz).
    response.headers["Content-Encoding"] = "identity"
    return response
