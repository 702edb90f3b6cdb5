"""Asset Compute error reasons and error classes, and the one HTTP-status table.

Follows asset-compute-commons ``lib/errors.js`` (spec section 6). Hierarchy::

    AssetComputeError                  base: ``name``, ``reason`` (None for GenericError), ``date`` (epoch ms)
    ├── GenericError                   any unexpected failure; has ``location`` (``<action>_upload`` ...)
    ├── ArgumentError                  bad argument to an SDK function; has ``location``
    └── ClientError                    the client's request or asset is at fault; caller-defined reason
        ├── RenditionFormatUnsupportedError   reason RenditionFormatUnsupported
        ├── SourceFormatUnsupportedError      reason SourceFormatUnsupported
        ├── SourceUnsupportedError            reason SourceUnsupported
        ├── SourceCorruptError                reason SourceCorrupt
        └── RenditionTooLarge                 reason RenditionTooLarge

A rendition callback may raise any of these; the ``rendition_failed`` event then carries
``errorReason = err.reason or "GenericError"`` and ``errorMessage = str(err)``. Any other exception
becomes ``GenericError`` unless it has a string ``reason`` attribute, which is kept verbatim.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """The ``errorReason`` values of ``rendition_failed`` events (docs ``api.md`` "Error reasons")."""

    GenericError = "GenericError"
    SourceFormatUnsupported = "SourceFormatUnsupported"
    RenditionFormatUnsupported = "RenditionFormatUnsupported"
    SourceUnsupported = "SourceUnsupported"
    SourceCorrupt = "SourceCorrupt"
    RenditionTooLarge = "RenditionTooLarge"


class AssetComputeError(Exception):
    """Base class: ``message``, ``name`` (class name unless given), ``reason``, ``date`` (epoch ms)."""

    reason: str | None = None

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name or type(self).__name__
        self.date = int(time.time() * 1000)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used in ``renditionErrors``: ``{name, reason?, location?, message, date}``."""
        out: dict[str, Any] = {"name": self.name}
        if self.reason is not None:
            out["reason"] = self.reason
        location = getattr(self, "location", None)
        if location:
            out["location"] = location
        out["message"] = self.message
        out["date"] = self.date
        return out


class GenericError(AssetComputeError):
    """Unexpected failure. ``location`` names where it happened, e.g. ``myworker_download``."""

    def __init__(self, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location


class ArgumentError(AssetComputeError):
    """A function of this SDK got an invalid argument (commons ``ArgumentError``)."""

    def __init__(self, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location


class ClientError(AssetComputeError):
    """The request or the asset is at fault. ``reason`` may be any string (custom reasons propagate)."""

    def __init__(self, message: str, name: str | None = None, reason: str | None = None) -> None:
        super().__init__(message, name=name)
        if reason is not None:
            self.reason = reason


class RenditionFormatUnsupportedError(ClientError):
    """The requested rendition format (``fmt``) cannot be produced."""

    reason = Reason.RenditionFormatUnsupported.value


class SourceFormatUnsupportedError(ClientError):
    """The source's format is not supported by this worker."""

    reason = Reason.SourceFormatUnsupported.value


class SourceUnsupportedError(ClientError):
    """This specific source is unsupported (missing, too large, non-https URL)."""

    reason = Reason.SourceUnsupported.value


class SourceCorruptError(ClientError):
    """The source is corrupt, empty or an invalid data URI."""

    reason = Reason.SourceCorrupt.value


class RenditionTooLarge(ClientError):
    """The rendition does not fit its target (upload 413, or multipart capacity exceeded)."""

    reason = Reason.RenditionTooLarge.value


#: Reason name -> error class; the renderer's ``X-Imgworker-Reason`` header and shell-style error files
#: carry these names.
REASON_CLASSES: dict[str, type[AssetComputeError]] = {
    Reason.GenericError: GenericError,
    Reason.SourceFormatUnsupported: SourceFormatUnsupportedError,
    Reason.RenditionFormatUnsupported: RenditionFormatUnsupportedError,
    Reason.SourceUnsupported: SourceUnsupportedError,
    Reason.SourceCorrupt: SourceCorruptError,
    Reason.RenditionTooLarge: RenditionTooLarge,
}

#: THE table: HTTP status -> (reason when fetching a rendition from the renderer, reason when uploading
#: the rendition to its target). Statuses not listed: 4xx -> GenericError, 5xx -> GenericError.
#: Sources: spec section 4 (upload 413 -> RenditionTooLarge), section 6 (reasons), the renderer's
#: statuses (imgworker.render.errors: 404/410 missing source, 413 source above the byte limit,
#: 415/422 not a readable image; imgix's 421 corrupt origin).
STATUS_TABLE: dict[int, tuple[Reason, Reason]] = {
    400: (Reason.GenericError, Reason.GenericError),
    401: (Reason.GenericError, Reason.GenericError),
    403: (Reason.GenericError, Reason.GenericError),
    404: (Reason.SourceUnsupported, Reason.GenericError),
    410: (Reason.SourceUnsupported, Reason.GenericError),
    413: (Reason.SourceUnsupported, Reason.RenditionTooLarge),
    414: (Reason.GenericError, Reason.GenericError),
    415: (Reason.SourceFormatUnsupported, Reason.GenericError),
    421: (Reason.SourceCorrupt, Reason.GenericError),
    422: (Reason.SourceFormatUnsupported, Reason.GenericError),
}


def reason_for_status(status: int, reason_header: str | None = None, *, upload: bool = False) -> Reason:
    """Map an HTTP status (and the renderer's optional ``X-Imgworker-Reason``) to a :class:`Reason`.

    A known reason header always wins. ``upload=True`` uses the upload column of :data:`STATUS_TABLE`.
    """
    if reason_header and reason_header.strip() in REASON_CLASSES:
        return Reason(reason_header.strip())
    column = 1 if upload else 0
    row = STATUS_TABLE.get(status)
    return row[column] if row else Reason.GenericError


def error_from_http_status(
    status: int,
    reason_header: str | None = None,
    *,
    message: str | None = None,
    location: str | None = None,
    upload: bool = False,
) -> AssetComputeError:
    """Build the error a worker should raise for a failed HTTP response.

    ``status`` is the HTTP status (e.g. 422), ``reason_header`` the ``X-Imgworker-Reason`` value if any.
    Example: ``error_from_http_status(422, "SourceCorrupt")`` -> ``SourceCorruptError``;
    ``error_from_http_status(503)`` -> ``GenericError``.
    """
    reason = reason_for_status(status, reason_header, upload=upload)
    text = message or f"HTTP status {status}"
    return error_from_reason(reason, text, location=location)


def error_from_reason(reason: str, message: str, *, location: str | None = None) -> AssetComputeError:
    """Error class for a reason name; unknown names give a ``ClientError`` carrying that reason."""
    cls = REASON_CLASSES.get(reason)
    if cls is None:
        return ClientError(message, "ClientError", reason)
    if cls is GenericError:
        return GenericError(message, location)
    return cls(message)


def event_reason(err: BaseException) -> str:
    """``errorReason`` for an event: the error's ``reason`` if it is a non-empty string, else GenericError."""
    reason = getattr(err, "reason", None)
    return reason if isinstance(reason, str) and reason else Reason.GenericError.value


def event_message(err: BaseException) -> str:
    """``errorMessage`` for an event: ``str(err)``, or the class name when the message is empty."""
    return str(err) or type(err).__name__


def error_to_dict(err: BaseException) -> dict[str, Any]:
    """JSON form of any exception for ``renditionErrors`` (``{name, reason?, location?, message, date?}``)."""
    if isinstance(err, AssetComputeError):
        return err.to_dict()
    out: dict[str, Any] = {"name": type(err).__name__}
    reason = getattr(err, "reason", None)
    if isinstance(reason, str):
        out["reason"] = reason
    out["message"] = event_message(err)
    return out
