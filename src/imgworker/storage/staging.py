"""Staging: copy a source binary into the imgix source store under a content-addressed key.

The seed's step 1 (DESIGN.md "Stage"): imgix renders from a "source" (an Azure container, an S3
bucket, or here also a local folder), so the worker first copies the asset there. The key is
``<prefix><sha256 of the bytes><extension>``, e.g. ``3a7bd3e2...c1f0.jpg``: never the user's file
name (field case A19: names with spaces, ``%``, ``+``, ``#``, NFD never reach a URL), and the same
bytes always get the same key, so a re-run finds the copy and skips the upload
(:attr:`StagedSource.reused`).

Retention (``IMGWORKER_STAGING_RETENTION_DAYS``, see :class:`RetentionPolicy`):

* unset: keep staged copies forever (the default; storage grows with every distinct source);
* ``0``: delete this job's copies right after the job (:func:`delete_staged`);
* ``N > 0``: delete copies uploaded more than N days ago (:func:`purge_staged`, run periodically;
  in production an Azure lifecycle-management rule or an S3 lifecycle expiration on the staging
  prefix does the same without any code).

**Trade-off with imgix's cache.** imgix fetches the origin image once and caches it, then renders
variants from that cache; the cache is not permanent. The worker itself only needs the staged copy
until it has fetched its renditions, but any imgix URL built on that key (a later job with new
parameters, a page that links the URL, an evicted cache entry) makes imgix read the origin again:
if the copy was deleted, that render is a 404. Deleting right after the job also races with a
concurrent job staging the same bytes (same key). Age-based purging keeps recent copies; to stop it
deleting a copy a job has just reused, :func:`stage` re-uploads a copy older than
``reuse_max_age`` (:attr:`RetentionPolicy.reuse_max_age` = half the retention), refreshing its
age. Source: imgix docs "Caching" / "Purging images".
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from imgworker.storage.base import BlobNotFound, BlobStore, check_key

_EXT_RE = re.compile(r"^\.[a-z0-9]{1,10}$")
_STAGED_RE = re.compile(r"^[0-9a-f]{64}(?:\.[a-z0-9]{1,10})?$")

Source = bytes | str | os.PathLike[str] | BinaryIO
"""What :func:`stage` accepts: the bytes, a local file path, or a binary file object."""


@dataclass(frozen=True)
class StagedSource:
    """A source copied into the staging store.

    ``key``: where it is (``<prefix><sha256><ext>``); ``sha256``: hex digest of the bytes; ``size``:
    bytes; ``reused``: True when a copy with that key and size was already there and nothing was
    uploaded; ``etag``: the stored blob's ETag; ``content_type``: as stored (may be ``None``).
    """

    key: str
    sha256: str
    size: int
    reused: bool
    etag: str
    content_type: str | None = None


def safe_extension(filename: str | None) -> str:
    """The lowercased extension of ``filename`` if it is 1-10 of ``a-z 0-9`` (``"Photo.JPG"`` -> ``".jpg"``).

    Anything else (no extension, accents, spaces, longer) gives ``""``. Only the last path
    component counts (``/`` or ``\\`` separated).
    """
    if not filename:
        return ""
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", filename))[-1]
    ext = os.path.splitext(name)[1].lower()
    return ext if _EXT_RE.match(ext) else ""


def _norm_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def staged_key(sha256: str, filename: str | None = None, *, prefix: str = "") -> str:
    """``<prefix>/<sha256><safe extension>``; ``sha256`` is 64 lowercase hex digits.

    Raises:
        ValueError: ``sha256`` is not 64 hex digits, or the key is invalid.
    """
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"Expected 64 lowercase hex digits for `sha256` but received {sha256!r}")
    return check_key(f"{_norm_prefix(prefix)}{sha256}{safe_extension(filename)}")


def is_staged_key(key: str, *, prefix: str = "") -> bool:
    """True if ``key`` has the shape :func:`staged_key` makes under ``prefix``."""
    p = _norm_prefix(prefix)
    return key.startswith(p) and bool(_STAGED_RE.match(key[len(p) :]))


def _digest(data: Source) -> tuple[str, int, BinaryIO | bytes]:
    """sha256 hex, size and something :meth:`BlobStore.put` can read from the start."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), len(data), data
    if isinstance(data, str | os.PathLike):
        f: BinaryIO = Path(data).open("rb")  # noqa: SIM115 (closed by stage())
    else:
        f = data
        if not f.seekable():
            f = io.BytesIO(f.read())
    start = f.tell()
    h = hashlib.sha256()
    while chunk := f.read(1 << 20):
        h.update(chunk)
    size = f.tell() - start
    f.seek(start)
    return h.hexdigest(), size, f


def stage(
    store: BlobStore,
    data_or_path: Source,
    *,
    filename: str | None = None,
    prefix: str = "",
    content_type: str | None = None,
    reuse_max_age: timedelta | None = None,
) -> StagedSource:
    """Copy a source into ``store`` under its content-addressed key, unless it is there already.

    Args:
        store: the imgix source store (:func:`imgworker.storage.open_store` of
            ``Settings.staging_store_url``).
        data_or_path: bytes, a local path (``str``/``PathLike``, streamed, never read whole), or a
            binary file object (read from its current position).
        filename: the original name, used only for its extension (defaults to the path's name).
        prefix: a folder inside the store (``""`` = top level).
        content_type: stored Content-Type; default guessed from the extension.
        reuse_max_age: re-upload an existing copy older than this (refreshes its age so that
            :func:`purge_staged` will not delete it under a running job); ``None`` = any age.

    Returns:
        :class:`StagedSource`; ``reused`` is True when no upload happened (the existing copy has
        the same key and size and is young enough).

    Raises:
        OSError: the path cannot be read. StoreError (and subclasses): the store failed.
    """
    if filename is None and isinstance(data_or_path, str | os.PathLike):
        filename = os.fspath(data_or_path)
    sha, size, body = _digest(data_or_path)
    try:
        key = staged_key(sha, filename, prefix=prefix)
        try:
            info = store.stat(key)
        except BlobNotFound:
            info = None
        if info is not None and info.size == size:
            age = datetime.now(UTC) - info.last_modified
            if reuse_max_age is None or age <= reuse_max_age:
                return StagedSource(key, sha, size, True, info.etag, info.content_type)
        ctype = content_type or mimetypes.guess_type(f"x{safe_extension(filename)}")[0]
        info = store.put(key, body, content_type=ctype)
    finally:
        if body is not data_or_path and not isinstance(body, bytes):
            body.close()
    return StagedSource(key, sha, size, False, info.etag, info.content_type or ctype)


def delete_staged(store: BlobStore, staged: StagedSource | Iterable[StagedSource]) -> list[str]:
    """Delete staged copies right after a job (retention ``0``); returns the keys deleted.

    Mind the imgix-cache trade-off in the module docstring: later renders of these keys are 404s.
    """
    items = [staged] if isinstance(staged, StagedSource) else list(staged)
    for item in items:
        store.delete(item.key)
    return [item.key for item in items]


def purge_staged(
    store: BlobStore,
    older_than_days: float,
    *,
    prefix: str = "",
    now: datetime | None = None,
) -> list[str]:
    """Delete staged copies (keys shaped by :func:`staged_key`) last written more than N days ago.

    Other blobs in the store are never touched. ``older_than_days`` >= 0 (fractions allowed);
    ``now`` defaults to the current UTC time. Returns the deleted keys, sorted.

    Raises:
        ValueError: a negative ``older_than_days``.
    """
    if older_than_days < 0:
        raise ValueError(f"Expected a number >= 0 for `older_than_days` but received {older_than_days!r}")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    deleted = []
    for key in list(store.list(_norm_prefix(prefix))):
        if not is_staged_key(key, prefix=prefix):
            continue
        try:
            if store.stat(key).last_modified < cutoff:
                store.delete(key)
                deleted.append(key)
        except BlobNotFound:
            continue
    return sorted(deleted)


@dataclass(frozen=True)
class RetentionPolicy:
    """``IMGWORKER_STAGING_RETENTION_DAYS`` as a policy: ``None`` keep forever, ``0`` after the job, N days.

    Raises:
        ValueError: negative ``days``.
    """

    days: float | None = None

    def __post_init__(self) -> None:
        if self.days is not None and self.days < 0:
            raise ValueError(f"Expected a number >= 0 or nothing for the retention days but received {self.days!r}")

    @property
    def delete_after_job(self) -> bool:
        """True when staged copies are deleted as soon as the job ends (``days == 0``)."""
        return self.days == 0

    @property
    def reuse_max_age(self) -> timedelta | None:
        """Pass to :func:`stage`: half the retention, so a reused copy outlives the job; else ``None``."""
        return timedelta(days=self.days / 2) if self.days else None

    def after_job(self, store: BlobStore, staged: Iterable[StagedSource]) -> list[str]:
        """What the worker calls when a job ends: deletes the job's copies if ``days == 0``."""
        return delete_staged(store, staged) if self.delete_after_job else []

    def purge(self, store: BlobStore, *, prefix: str = "", now: datetime | None = None) -> list[str]:
        """Periodic clean-up: :func:`purge_staged` with ``days`` (nothing when keeping forever or ``0``)."""
        return purge_staged(store, self.days, prefix=prefix, now=now) if self.days else []
