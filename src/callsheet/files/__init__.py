"""Uploaded files, attachments and thumbnails: local storage, background resizing, signed URLs."""

from callsheet.files.room import FileRoom, ImageRef

__all__ = ["FileRoom", "ImageRef"]
