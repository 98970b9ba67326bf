"""Serving uploads in embedded mode, with HTTP range requests so that video can seek.

Django's ``static.serve`` answers every request with the whole file; a phone seeking in a
20-minute lesson over a rural link must get only the bytes it asks for. At scale, object storage
or the reverse proxy serves media and this view is not mounted.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Never let the browser sniff an upload into HTML or script.
SAFE_TYPES_FALLBACK = "application/octet-stream"


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
PRIVATE_FOLDERS = ("jobs",)


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
    content_type, encoding = mimetypes.guess_type(str(full))
    if content_type in (None, "text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript"):
        content_type = SAFE_TYPES_FALLBACK
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
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    # "identity" keeps GZipMiddleware off: re-encoding would drop Content-Length and the byte
    # offsets that seeking relies on, and videos and images are compressed already.
    response.headers["Content-Encoding"] = encoding or "identity"
    return response
