"""Renderer errors: each carries an HTTP status, a short public message and a docs link.

Hierarchy::

    RenderError                      (500, base)
    ├── BadRequest                   400  bad base64, bad proxy URL, overlay loop, invalid w/h
    ├── Forbidden                    403  missing or wrong signature; overlay origin not allowed
    ├── NotFound                     404  source missing; ``expires`` in the past
    ├── Gone                         410  unknown source / host
    ├── PayloadTooLarge              413  source above the byte limit
    ├── UriTooLong                   414  request URI above 8000 characters
    ├── SourceCorrupt                422  truncated, empty or undecodable source
    ├── SourceFormatUnsupported      422  bytes are not an image format the renderer reads
    ├── SourceTooLarge               422  declared pixels above the pixel limit (decompression bomb)
    ├── RenditionFormatUnsupported   422  requested output format cannot be written
    └── RenderTimeout                503  per-request deadline exceeded

Statuses follow imgix's list (https://docs.imgix.com/references/http-status-codes, spec section 5.1).
imgix answers an undecodable origin with 421/422; we use 422 for every "source is not a renderable
image" case and put the exact Asset Compute reason in the ``X-Imgworker-Reason`` header, so the
worker can map it without guessing (see ``imgworker.worker.fetch``).
"""

from __future__ import annotations

DOCS = "https://docs.imgix.com/references/http-status-codes"


class RenderError(Exception):
    """Base class. ``status`` is the HTTP status, ``reason`` the Asset Compute reason name."""

    status = 500
    reason = "GenericError"
    doc = DOCS

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(RenderError):
    status = 400
    reason = "GenericError"


class Forbidden(RenderError):
    status = 403
    reason = "GenericError"
    doc = "https://docs.imgix.com/setup/securing-images"


class NotFound(RenderError):
    status = 404
    reason = "SourceUnsupported"


class Gone(RenderError):
    status = 410
    reason = "SourceUnsupported"


class PayloadTooLarge(RenderError):
    status = 413
    reason = "SourceUnsupported"


class UriTooLong(RenderError):
    status = 414
    reason = "GenericError"


class SourceCorrupt(RenderError):
    status = 422
    reason = "SourceCorrupt"


class SourceFormatUnsupported(RenderError):
    status = 422
    reason = "SourceFormatUnsupported"
    doc = "https://docs.imgix.com/references/supported-file-formats"


class SourceTooLarge(RenderError):
    status = 422
    reason = "SourceUnsupported"


class RenditionFormatUnsupported(RenderError):
    status = 422
    reason = "RenditionFormatUnsupported"
    doc = "https://docs.imgix.com/apis/rendering/format/fm"


class RenderTimeout(RenderError):
    status = 503
    reason = "GenericError"
