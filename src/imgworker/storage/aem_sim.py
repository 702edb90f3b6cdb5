"""Play AEM's part of an Asset Compute job against real blob stores (Azurite by default).

AEM (with Oak's Azure data store) does three things around a custom worker:

1. it holds the asset binary and gives Asset Compute a presigned read URL as ``source``;
2. per rendition it calls Oak's ``initiateBinaryUpload`` and passes the result as ``target``:
   ``{"urls": [...], "minPartSize": n, "maxPartSize": n}``, where on Azure every URL is the blob's
   write SAS plus ``&comp=block&blockid=<base64("%06d")>`` (a Put Block);
3. on ``rendition_created`` it calls ``completeBinaryUpload``, which commits the uploaded blocks
   (Put Block List) so the rendition becomes a blob.

:func:`prepare` does 1 and 2 (:func:`upload_source` + :func:`build_request`) and returns the
request JSON; the worker runs it; :func:`verify` does 3 and checks every rendition (present,
non-empty, the format asked for, the image size in the header). Renditions that are expected to
fail are not committed and must leave nothing in the container. Works with any
:class:`~imgworker.storage.base.MultipartStore` (Azure, S3, local); ``imgworker aem-sim`` wires it
to the ``AZURE_STORAGE_*`` account.

Rendition keys follow the Asset Compute devtool: ``rendition/<source name>/<request id>/<index>/<name>``.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgworker.sniff import normalise_format, sniff_bytes
from imgworker.storage.base import (
    DEFAULT_EXPIRES_IN,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    MultipartStore,
    MultipartUpload,
    StoreError,
    check_key,
)

DEFAULT_PART_COUNT = 10
"""URLs per multipart target (the devtool asks for up to 50)."""

DEFAULT_RENDITIONS: tuple[dict[str, Any], ...] = (
    {"name": "thumbnail.jpg", "fmt": "jpg", "imgix": {"w": 320, "fit": "max"}},
)
"""Used when no rendition is given: one 320 px wide JPEG."""


def upload_source(store: BlobStore, file: str | os.PathLike[str], *, key: str | None = None) -> BlobInfo:
    """Upload a local file as the asset binary; ``key`` defaults to the file name (any UTF-8, A19)."""
    path = Path(file)
    with path.open("rb") as f:
        return store.put(check_key(key or path.name), f, content_type=mimetypes.guess_type(path.name)[0])


def rendition_key(source_name: str, request_id: str, index: int, name: str) -> str:
    """``rendition/<source name>/<request id>/<index>/<name>`` (Asset Compute devtool layout)."""
    return check_key(f"rendition/{source_name}/{request_id}/{index}/{name}")


def build_request(
    source_store: BlobStore,
    source_key: str,
    renditions: Sequence[Mapping[str, Any]],
    rendition_store: MultipartStore,
    *,
    part_count: int = DEFAULT_PART_COUNT,
    min_part_size: int | None = None,
    max_part_size: int | None = None,
    single_put: bool = False,
    expires_in: int = DEFAULT_EXPIRES_IN,
    request_id: str | None = None,
) -> dict[str, Any]:
    """An Asset Compute request for a source already in ``source_store``.

    Args:
        source_store, source_key: where the source is; ``source`` becomes
            ``{"url": <read SAS>, "name", "size", "mimetype"}``.
        renditions: rendition instructions (``name`` required; ``fmt``, ``imgix`` ... passed through).
        rendition_store: where renditions go; each gets a multipart ``target``
            (``part_count`` URLs, part sizes in bytes, backend defaults when ``None``) or, with
            ``single_put``, one presigned PUT URL (Azure needs ``x-ms-blob-type: BlockBlob``).
        expires_in: lifetime of every URL, seconds (<= 0 on Azure gives expired URLs, for tests).
        request_id: default ``aem-sim-<uuid>``.

    Returns:
        The request JSON object. Each rendition's ``userData`` holds ``path`` (its key) and
        ``uploadId``; the top-level ``userData.aemSim`` names the stores, for :func:`verify`.

    Raises:
        ValueError: a rendition without ``name``; BlobNotFound: the source is missing.
    """
    request_id = request_id or f"aem-sim-{uuid.uuid4().hex[:12]}"
    info = source_store.stat(source_key)
    source_name = source_key.rsplit("/", 1)[-1]
    out: list[dict[str, Any]] = []
    for index, spec in enumerate(renditions):
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"Expected a non-empty string for `renditions[{index}].name` but received {name!r}")
        key = rendition_key(source_name, request_id, index, name)
        user_data: dict[str, Any] = {**dict(spec.get("userData") or {}), "path": key}
        target: str | dict[str, Any]
        if single_put:
            target = rendition_store.presigned_write_url(key, expires_in)
        else:
            upload = rendition_store.presigned_multipart_upload(
                key,
                part_count,
                expires_in,
                min_part_size=min_part_size,
                max_part_size=max_part_size,
                content_type=mimetypes.guess_type(name)[0],
            )
            target = upload.as_target()
            user_data["uploadId"] = upload.upload_id
        out.append({**dict(spec), "target": target, "userData": user_data})
    return {
        "requestId": request_id,
        "source": {
            "url": source_store.presigned_read_url(source_key, expires_in),
            "name": source_name,
            "size": info.size,
            "mimetype": info.content_type or mimetypes.guess_type(source_name)[0] or "application/octet-stream",
        },
        "renditions": out,
        "userData": {
            "aemSim": {"sourceStore": source_store.url, "sourceKey": source_key, "renditionStore": rendition_store.url}
        },
    }


def prepare(
    source_store: BlobStore,
    rendition_store: MultipartStore,
    file: str | os.PathLike[str],
    renditions: Sequence[Mapping[str, Any]] = DEFAULT_RENDITIONS,
    *,
    source_key: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """:func:`upload_source` then :func:`build_request` (``options`` are its keyword arguments)."""
    info = upload_source(source_store, file, key=source_key)
    return build_request(source_store, info.key, renditions, rendition_store, **options)


@dataclass(frozen=True)
class RenditionCheck:
    """The verdict on one rendition: ``ok``, and when present its ``size`` (bytes), ``sha256``,
    sniffed ``format`` and ``width``/``height`` (px) (:func:`imgworker.sniff.sniff_bytes`); ``problem``
    says what is wrong."""

    name: str
    key: str
    ok: bool
    expected_failure: bool = False
    size: int | None = None
    sha256: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    problem: str | None = None
    data: bytes | None = None


def _upload_of(store: MultipartStore, rendition: Mapping[str, Any], key: str) -> MultipartUpload | None:
    target = rendition.get("target")
    if not isinstance(target, Mapping):
        return None
    return MultipartUpload(
        store_url=store.url,
        key=key,
        upload_id=str(rendition.get("userData", {}).get("uploadId", "")),
        urls=tuple(target.get("urls", ())),
        min_part_size=int(target.get("minPartSize", 0)),
        max_part_size=int(target.get("maxPartSize", 0)),
    )


def verify(
    request: Mapping[str, Any],
    rendition_store: MultipartStore,
    *,
    expect_failed: Collection[str] = (),
    commit: bool = True,
) -> list[RenditionCheck]:
    """Complete (like AEM's ``completeBinaryUpload``) and check every rendition of ``request``.

    Args:
        request: what :func:`build_request` returned.
        rendition_store: the store the targets point into.
        expect_failed: names of renditions the worker should have failed: they are not committed,
            their pending upload is aborted, and they pass only if nothing is in the store.
        commit: complete multipart uploads first (set ``False`` if the worker committed already;
            completing twice is harmless anyway).

    Returns:
        One :class:`RenditionCheck` per rendition, in request order (``data`` holds the bytes, for
        pixel checks by the caller).
    """
    checks = []
    for rendition in request.get("renditions", ()):
        name = str(rendition.get("name"))
        key = str(rendition.get("userData", {}).get("path"))
        upload = _upload_of(rendition_store, rendition, key)
        if name in expect_failed:
            if upload is not None:
                rendition_store.abort_multipart_upload(upload)
            present = rendition_store.exists(key)
            checks.append(
                RenditionCheck(
                    name, key, not present, True, problem="a partial rendition was left" if present else None
                )
            )
            continue
        checks.append(_check(rendition_store, rendition, name, key, upload if commit else None))
    return checks


def _check(
    store: MultipartStore, rendition: Mapping[str, Any], name: str, key: str, upload: MultipartUpload | None
) -> RenditionCheck:
    try:
        if upload is not None:
            store.complete_multipart_upload(upload, content_type=mimetypes.guess_type(name)[0])
        data = store.get(key)
    except BlobNotFound:
        return RenditionCheck(name, key, False, problem="not uploaded")
    except StoreError as exc:
        return RenditionCheck(name, key, False, problem=str(exc))
    digest = hashlib.sha256(data).hexdigest()
    header = sniff_bytes(data)
    fmt = rendition.get("fmt") or os.path.splitext(name)[1]
    problem = None
    if not data:
        problem = "empty rendition"
    elif header.format is None:
        problem = "not a recognised image"
    elif fmt and normalise_format(str(fmt)) != header.format:
        problem = f"format is {header.format}, expected {normalise_format(str(fmt))}"
    return RenditionCheck(
        name,
        key,
        problem is None,
        size=len(data),
        sha256=digest,
        format=header.format,
        width=header.width,
        height=header.height,
        problem=problem,
        data=data,
    )
