"""Worker-side end of an AEM multipart target: commit Azure Put Block uploads with the SAS alone.

An Asset Compute multipart target is ``{"urls": [...], "minPartSize": n, "maxPartSize": n}``; the
worker PUTs part ``k`` to ``urls[k]`` (asset-compute-contract.md section 4). What makes the parts a
blob depends on the store behind the URLs:

* **Azure** (Oak ``AzureBlobStoreBackend``): each URL is the blob's SAS URL plus
  ``&comp=block&blockid=<base64>`` (a "Put Block"). Blocks are invisible until a "Put Block List"
  commits them. In AEM the application does it (``completeBinaryUpload``: list the uncommitted
  blocks, commit them); Asset Compute's SDK never does. When nobody else will (``imgworker run``
  against targets it did not get from AEM), the worker calls :func:`commit_multipart`, which sends
  the Put Block List with the same SAS (``sp=w`` is enough). Committing early is safe with AEM: Oak
  skips completion when the blob already exists.
* **S3** (``upload_part`` URLs) and anything else: completion needs the bucket credentials
  (``CompleteMultipartUpload`` with the parts' ETags), so only the issuing side can do it
  (:meth:`~imgworker.storage.base.MultipartStore.complete_multipart_upload`);
  :func:`commit_multipart` returns ``False`` for these.

A failed rendition must not call :func:`commit_multipart`: the uploaded blocks then stay
uncommitted and invisible (Azure discards them after 7 days), so nothing partial is ever listed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from azure.core.exceptions import AzureError
from azure.storage.blob import BlobBlock, BlobClient, ContentSettings, ExponentialRetry

from imgworker.storage.base import BlobNotFound, StoreAccessDenied, StoreError

_BLOCK_PARAMS = ("comp", "blockid")


def _query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def is_azure_block_url(url: str) -> bool:
    """True if ``url`` is an Azure "Put Block" URL (query has ``comp=block`` and ``blockid``)."""
    params = {k.lower(): v for k, v in _query_pairs(url)}
    return params.get("comp") == "block" and "blockid" in params


def _urls(target: Mapping[str, Any] | Sequence[str]) -> list[str]:
    urls = target.get("urls") if isinstance(target, Mapping) else target
    if not isinstance(urls, Sequence) or isinstance(urls, str) or not all(isinstance(u, str) for u in urls):
        raise ValueError("Expected a multipart target {'urls': [str, ...], ...} or a list of URLs for `target`")
    return list(urls)


def _strip_block_params(url: str) -> str:
    """``url`` without its ``comp``/``blockid`` query items; the rest (the SAS) is kept byte for byte."""
    head, _, query = url.partition("?")
    kept = [item for item in query.split("&") if item.split("=", 1)[0].lower() not in _BLOCK_PARAMS]
    return f"{head}?{'&'.join(kept)}" if kept else head


def _block_id(url: str) -> str:
    query = url.partition("?")[2]
    raw = next(unquote(v) for k, _, v in (i.partition("=") for i in query.split("&")) if k.lower() == "blockid")
    try:
        return base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(f"Expected a base64 UTF-8 `blockid` in the target URL but received {raw!r}") from None


def azure_commit_plan(target: Mapping[str, Any] | Sequence[str], part_count: int) -> tuple[str, list[str]] | None:
    """The blob SAS URL and block ids that committing the first ``part_count`` parts would send.

    Returns ``None`` when the URLs are not Azure Put Block URLs (nothing for the uploader to commit).

    Raises:
        ValueError: ``part_count`` outside 1..len(urls), or the parts name different blobs.
    """
    urls = _urls(target)
    if not 1 <= part_count <= len(urls):
        raise ValueError(f"Expected 1..{len(urls)} for `part_count` but received {part_count!r}")
    used = urls[:part_count]
    if not all(is_azure_block_url(u) for u in used):
        return None
    bases = {_strip_block_params(u) for u in used}
    if len(bases) != 1:
        raise ValueError("Expected every multipart URL to address the same blob with the same SAS")
    return bases.pop(), [_block_id(u) for u in used]


def commit_multipart(
    target: Mapping[str, Any] | Sequence[str],
    part_count: int,
    *,
    content_type: str | None = None,
    timeout: float = 30.0,
) -> bool:
    """Commit the first ``part_count`` parts of an Azure block-upload target, in URL order.

    Call it once, after every part PUT of the rendition succeeded (never after a failure).

    Args:
        target: the rendition's ``target`` object (``{"urls": [...], ...}``) or its URL list.
        part_count: how many parts were PUT (URLs ``0..part_count-1``); 1..len(urls).
        content_type: stored as the blob's ``Content-Type`` (``x-ms-blob-content-type``).
        timeout: connection and read timeout, seconds.

    Returns:
        ``True`` if a Put Block List was sent and accepted (Azure answers 201); ``False`` when the
        URLs are not Azure Put Block URLs (S3 ``upload_part``, other stores): the issuer completes.

    Raises:
        ValueError: bad ``target`` or ``part_count``.
        StoreAccessDenied: the SAS is expired, lacks ``w``, or is tampered (403; do not retry).
        BlobNotFound: the container does not exist (404).
        StoreError: any other failure, e.g. 400 ``InvalidBlockList`` when a block was never uploaded.

    Source: Azure "Put Block List"; Oak ``AzureBlobStoreBackend.completeMultiPartUpload``.
    """
    plan = azure_commit_plan(target, part_count)
    if plan is None:
        return False
    sas_url, block_ids = plan
    client = BlobClient.from_blob_url(
        sas_url,
        connection_timeout=timeout,
        read_timeout=timeout,
        retry_policy=ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=3),
    )
    name = f"{client.container_name}/{client.blob_name}"
    try:
        client.commit_block_list(
            [BlobBlock(block_id=b) for b in block_ids],
            content_settings=ContentSettings(content_type=content_type) if content_type else None,
        )
    except AzureError as exc:
        status = getattr(exc, "status_code", None)
        code = getattr(exc, "error_code", None)
        code = str(getattr(code, "value", code) or type(exc).__name__)
        if status in (401, 403):
            raise StoreAccessDenied(
                f"commit of {name!r} refused ({code}): the target SAS is expired or read-only"
            ) from None
        if status == 404:
            raise BlobNotFound(f"commit of {name!r} failed ({code}): the container does not exist") from None
        raise StoreError(
            f"commit of {name!r} failed ({code}): {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    return True
