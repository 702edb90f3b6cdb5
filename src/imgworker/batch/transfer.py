"""Moving bytes for a batch job: the source in, the rendition out, each failure classified.

Every failure is a :class:`JobError` with an Asset Compute ``reason`` and ``transient``:

========================================  ==========================  =========
what happened                             reason                      transient
========================================  ==========================  =========
network error, 429, 5xx (source, target,  GenericError                yes
renderer after its own 3 tries)
source 401/403/404/410, missing file      SourceUnsupported           no
renderer 4xx (corrupt, unsupported ...)   from the renderer           no
target 413                                RenditionTooLarge           no
target 401/403/other 4xx                  GenericError                no
store URL: access denied, no container    GenericError                no
or bucket, other 4xx (not 408/429)
store URL: 408, 429, 5xx, network         GenericError                yes
========================================  ==========================  =========

A store error (:class:`~imgworker.storage.StoreError`) carries no status of its own: the status
is read from the SDK exception it was raised from (``azure.core``'s ``status_code``, botocore's
``ResponseMetadata.HTTPStatusCode``), so a missing Azure container (404 ``ContainerNotFound``), a
missing S3 bucket or a refused key fails the rendition at once instead of being retried.

Targets are written whole or not at all: a path via a temporary file and a rename
(:func:`imgworker.worker.deliver.deliver`), an ``http(s)`` URL with one ``PUT`` (no retry here: the
Celery task or the local runner retries the whole job with backoff), a store URL
(``azure://container/key``, ``s3://bucket/key``) with one ``put``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from imgworker.batch.jobs import STORE_SCHEMES, URL_SCHEMES
from imgworker.storage import BlobNotFound, StoreAccessDenied, StoreError, open_store
from imgworker.worker.deliver import deliver
from imgworker.worker.fetch import FetchError

SOURCE_REASONS = frozenset({"SourceCorrupt", "SourceFormatUnsupported", "SourceUnsupported"})
_TRANSIENT_4XX = frozenset({408, 429})


class JobError(Exception):
    """A rendition (or the whole job) failed: Asset Compute ``reason``, ``message``, ``transient``."""

    def __init__(self, reason: str, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.transient = transient

    @classmethod
    def from_fetch(cls, exc: FetchError) -> JobError:
        """Classify a :class:`FetchError`: status 0 with ``GenericError`` means retries ran out (transient)."""
        return cls(exc.reason, exc.message, transient=exc.status == 0 and exc.reason == "GenericError")

    @classmethod
    def from_store(cls, exc: StoreError, what: str) -> JobError:
        """Classify a store failure (``what`` starts the message, e.g. ``"cannot write the target"``):
        access denied, not found or another 4xx is permanent (413: ``RenditionTooLarge``); 408, 429,
        5xx and errors without a status (network) are transient."""
        status = store_status(exc)
        where = f"{what} ({status})" if status else what
        if status == 413:
            return cls("RenditionTooLarge", f"{where}: {exc}")
        permanent = isinstance(exc, StoreAccessDenied | BlobNotFound) or (
            status is not None and 400 <= status < 500 and status not in _TRANSIENT_4XX
        )
        return cls("GenericError", f"{where}: {exc}", transient=not permanent)

    @property
    def source_level(self) -> bool:
        """True when the source itself is the problem (every rendition of the job will fail alike)."""
        return self.reason in SOURCE_REASONS


def store_status(exc: BaseException) -> int | None:
    """The HTTP status behind a store error: found on the SDK exception it was raised from (its
    cause or context, a few levels deep), ``None`` when there is none (a network error)."""
    seen = exc.__cause__ or exc.__context__
    for _ in range(4):
        if seen is None:
            return None
        status = getattr(seen, "status_code", None)  # azure.core.exceptions.HttpResponseError
        if status is None:  # botocore.exceptions.ClientError
            response = getattr(seen, "response", None)
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(response, dict) else None
        if isinstance(status, int):
            return status
        seen = seen.__cause__ or seen.__context__
    return None


def download(client: httpx.Client, source: str, dest: Path) -> None:
    """Copy ``source`` (a local path or an ``http(s)`` URL) to ``dest``.

    Raises:
        JobError: as in the module table.
    """
    if not source.startswith(URL_SCHEMES):
        if not Path(source).is_file():
            raise JobError("SourceUnsupported", f"source file not found: {source}")
        shutil.copyfile(source, dest)
        return
    try:
        with client.stream("GET", source) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise JobError("GenericError", f"source download answered {status}", transient=True)
            if status != 200:
                reason = "SourceUnsupported" if status in (401, 403, 404, 410) else "GenericError"
                raise JobError(reason, f"source download answered {status}")
            with dest.open("wb") as f:
                for chunk in response.iter_bytes(1 << 20):
                    f.write(chunk)
    except httpx.HTTPError as exc:
        raise JobError("GenericError", f"source download failed: {type(exc).__name__}", transient=True) from None


def deliver_to(client: httpx.Client, file_path: str, target: str, content_type: str) -> None:
    """Write the rendition at ``file_path`` to ``target`` (path, ``file://``, ``http(s)``, store URL).

    Raises:
        JobError: as in the module table.
    """
    if target.startswith(STORE_SCHEMES):
        _put_store(file_path, target, content_type)
        return
    try:
        deliver(client, file_path, target, content_type, attempts=1)
    except FetchError as exc:
        raise JobError.from_fetch(exc) from None
    except OSError as exc:
        raise JobError("GenericError", f"cannot write the target {target}: {exc.strerror or exc}") from None


def _put_store(file_path: str, target: str, content_type: str) -> None:
    scheme, _, rest = target.partition("://")
    container, _, key = rest.partition("/")
    if not container or not key:
        raise JobError("GenericError", f"Expected {scheme}://<container>/<key> for the target but received {target!r}")
    try:
        store = open_store(f"{scheme}://{container}")
        try:
            with open(file_path, "rb") as f:
                store.put(key, f, content_type=content_type)
        finally:
            store.close()
    except ValueError as exc:
        raise JobError("GenericError", f"cannot write the target: {exc}") from None
    except StoreError as exc:
        raise JobError.from_store(exc, "cannot write the target") from None
