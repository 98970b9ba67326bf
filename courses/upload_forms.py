"""Upload forms of the Wagtail admin (images, documents, lesson videos) that check content.

Wagtail and wagtailmedia build their upload forms on a base form named in settings
(``WAGTAILIMAGES_IMAGE_FORM_BASE``, ``WAGTAILDOCS_DOCUMENT_FORM_BASE``,
``WAGTAILMEDIA["MEDIA_FORM_BASE"]``); these are those bases. Each refuses a file whose bytes are
not what it claims (training/uploads.py), and every error about the file names it, Wagtail's
own messages included. Kept apart from courses/forms.py, which the page models import.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

from wagtailmedia.forms import BaseMediaForm

from training import uploads
from training.org.selectors import trainer_area_ids

from . import video_processing as vp

logger = logging.getLogger(__name__)


def _refusing_broken_images(to_python):
    def checked(data):
        try:
            return to_python(data)
        except (OSError, SyntaxError) as exc:
            raise uploads.broken_image(data) from exc

    return checked


def _new_upload(form) -> UploadedFile | None:
    upload = form.cleaned_data.get("file")
    return upload if isinstance(upload, UploadedFile) else None


class CheckedImageForm(uploads.NamesTheFileMixin, BaseImageForm):
    """Wagtail checked extension, size, format against extension and pixel count; Pillow then
    verifies and decodes the image, so a truncated or disguised file is refused.

    Wagtail's own field lets Pillow's OSError escape for a truncated PNG (a server error);
    here it becomes the same "not an intact image" refusal.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None:
            field.to_python = _refusing_broken_images(field.to_python)

    def clean_file(self):
        upload = _new_upload(self)
        if upload is not None:
            uploads.check_image(upload)
        return self.cleaned_data.get("file")


class CheckedDocumentForm(uploads.NamesTheFileMixin, BaseDocumentForm):
    """Documents: at most DOCUMENT_MAX_UPLOAD_SIZE, content matching the extension."""

    def clean_file(self):
        upload = _new_upload(self)
        if upload is not None:
            uploads.check_document(upload, limit=settings.DOCUMENT_MAX_UPLOAD_SIZE)
        return self.cleaned_data.get("file")


class LessonVideoForm(uploads.NamesTheFileMixin, BaseMediaForm):
    """Lesson videos (wagtailmedia): at most VIDEO_MAX_UPLOAD_SIZE, and PyAV must find and
    decode a video stream (or, for audio, a sound stream) before the file is stored. A trainer
    gives a video one of their business areas; a replaced file is processed again."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        field = self.fields.get("area")
        allowed = trainer_area_ids(user) if user is not None else None
        if field is not None and allowed is not None:
            field.queryset = field.queryset.filter(pk__in=allowed)

    def save(self, commit=True):
        if self.instance.pk and "file" in self.changed_data:
            # The poster, duration and low-bitrate copy were the old file's: the processing
            # job (courses.services.videos_queue_pending) makes them again.
            self.instance.processing = self.instance.Processing.PENDING
            self.instance.processing_error = ""
        return super().save(commit=commit)

    def clean_file(self):
        upload = _new_upload(self)
        if upload is None:
            return self.cleaned_data.get("file")
        uploads.check_size(upload, settings.VIDEO_MAX_UPLOAD_SIZE)
        is_audio = self.instance.type == "audio"
        with uploads.local_path(upload) as path:
            try:
                vp.probe_audio(path) if is_audio else vp.probe(path)
            except vp.VideoError as error:
                logger.info("upload refused: %s", error)
                message = (
                    _(
                        "The file “%(name)s” is not audio that can be played: no sound could be decoded from it."
                    )
                    if is_audio
                    else _(
                        "The file “%(name)s” is not a video that can be played: "
                        "no video picture could be decoded from it."
                    )
                )
                raise ValidationError(
                    message, code="not_playable", params={"name": Path(upload.name or "").name}
                ) from None
        return self.cleaned_data.get("file")
