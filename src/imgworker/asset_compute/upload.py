"""Rendition upload: one ``PUT`` to a string ``target``, or AEM multipart over ``target.urls``.

Follows asset-compute-pipeline ``lib/storage/http.js`` and node-httptransfer v3.4.1 ``lib/aempartsize.js``,
``lib/block/blockupload.js`` (spec section 4). Bodies are streamed from disk (no 100 MiB ceiling), with
``Content-Length`` and ``Content-Type`` = the detected rendition content type.

Part-size rule (sizes in bytes)::

    part = max(ceil(size / len(urls)), minPartSize or 1)
    part > maxPartSize                      -> RenditionTooLarge, nothing is uploaded
    part = min(max(preferred, part), maxPartSize)   only when HTTP_TRANSFER_PREFERRED_PART_SIZE is set

By default the rendition is spread over the URLs AEM gave (field case A21: 300 KiB over 5 URLs is
5 parts of 61,440 B); the reference always stretched parts to a preferred 100 MiB (fewer, larger
parts), which setting ``HTTP_TRANSFER_PREFERRED_PART_SIZE`` restores. A single ``PUT`` carries
``x-ms-blob-type: BlockBlob`` (Azure's Put Blob requires it, other stores ignore it; field case A20).

Part k is bytes ``[k*part, min((k+1)*part, size) - 1]`` PUT to ``urls[k]``; unused trailing URLs are left
alone; no "complete" call is made (AEM completes the binary). Parts run up to ``max_concurrent_parts`` at
once; on the first part that finally fails the others are cancelled and the rendition fails.

Errors: 413 or capacity exceeded -> ``RenditionTooLarge("rendition size of <n> for <name> is too large")``;
anything else -> ``GenericError(<message>, "<action>_upload")`` (an empty file: "File cannot be
uploaded: Empty file"; a bad target: "'target.maxPartSize' must be a positive number: ...").
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.errors import AssetComputeError, GenericError, RenditionTooLarge
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.transport import HttpStatusError, response_text, retrying, run_all

log = get_logger(__name__)
CHUNK = 1 << 20


class PartSizeError(ValueError):
    """The multipart target is malformed (``str()`` is the message)."""


class CapacityExceeded(Exception):
    """The file does not fit ``len(urls) x maxPartSize``."""


def part_size(size: int, num_urls: int, max_part: Any, min_part: Any = None, preferred: int = 0) -> int:
    """Part size in bytes for ``size`` bytes over ``num_urls`` URLs (module docstring rule).

    Raises :class:`PartSizeError` for a missing/non-positive ``maxPartSize`` or ``minPartSize`` above it,
    :class:`CapacityExceeded` when the file does not fit.
    """
    if isinstance(max_part, bool) or not isinstance(max_part, int | float) or max_part <= 0:
        shown = "undefined" if max_part is None else max_part  # the reference's wording
        raise PartSizeError(f"'target.maxPartSize' must be a positive number: {shown}")
    if num_urls <= 0:
        raise PartSizeError("'target.urls' must be a non-empty array")
    minimum = 1
    if min_part is not None:
        if isinstance(min_part, bool) or not isinstance(min_part, int | float) or min_part <= 0:
            raise PartSizeError(f"'target.minPartSize' must be a positive number: {min_part}")
        if min_part > max_part:
            raise PartSizeError(f"'target.minPartSize' {min_part} is larger than 'target.maxPartSize' {max_part}")
        minimum = int(min_part)
    part = max(math.ceil(size / num_urls), minimum)
    if part > max_part:
        raise CapacityExceeded(f"File is too large to upload: {size} bytes over {num_urls} parts of {max_part}")
    return int(min(max(preferred, part), max_part))


async def upload(rendition: Rendition, client: httpx.AsyncClient, config: AssetComputeConfig, action: str) -> None:
    """Upload ``rendition.path`` to ``rendition.target``; raises the errors of the module docstring."""
    location = f"{action}_upload"
    size = rendition.size() or 0
    if size == 0:
        raise GenericError("File cannot be uploaded: Empty file", location)
    target = rendition.target
    content_type = rendition.content_type()
    too_large = f"rendition size of {size} for {rendition.name} is too large"
    try:
        if isinstance(target, str):
            headers = {"content-type": content_type, "x-ms-blob-type": "BlockBlob"}
            await _put(client, target, rendition.path, 0, size, headers, config, config.retry_budget)
        elif isinstance(target, dict):
            await _multipart(rendition.path, size, target, content_type, client, config)
        else:
            raise GenericError("rendition has no target", location)
    except AssetComputeError:
        raise
    except CapacityExceeded:
        raise RenditionTooLarge(too_large) from None
    except HttpStatusError as exc:
        if exc.status == 413:
            raise RenditionTooLarge(too_large) from None
        raise GenericError(str(exc), location) from None
    except (PartSizeError, httpx.HTTPError, OSError) as exc:
        raise GenericError(str(exc) or type(exc).__name__, location) from None


async def _multipart(
    path: Path,
    size: int,
    target: dict[str, Any],
    content_type: str,
    client: httpx.AsyncClient,
    config: AssetComputeConfig,
) -> None:
    urls = target.get("urls") or []
    preferred = config.upload_preferred_part_size or 0
    part = part_size(size, len(urls), target.get("maxPartSize"), target.get("minPartSize"), preferred)
    headers = {**(target.get("multipartHeaders") or {}), "content-type": content_type}
    sem = asyncio.Semaphore(config.max_concurrent_parts)
    count = math.ceil(size / part)
    log.info("multipart upload of %d bytes in %d part(s) of %d bytes", size, count, part)

    async def one(k: int) -> None:
        lo = k * part
        async with sem:
            await _put(client, urls[k], path, lo, min(part, size - lo), headers, config, config.multipart_retry_budget)

    await run_all(one(k) for k in range(count))


async def _put(
    client: httpx.AsyncClient,
    url: str,
    path: Path,
    offset: int,
    length: int,
    headers: dict[str, str],
    config: AssetComputeConfig,
    budget: float,
) -> None:
    async for attempt in retrying(config, budget):
        with attempt:
            resp = await client.put(
                url, content=_chunks(path, offset, length), headers={**headers, "content-length": str(length)}
            )
            if not resp.is_success:
                raise HttpStatusError(
                    "PUT", url, resp.status_code, response_text(resp), retry_after=resp.headers.get("retry-after")
                )


async def _chunks(path: Path, offset: int, length: int) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(offset)
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                raise OSError(f"{path.name} shrank during upload")
            remaining -= len(chunk)
            yield chunk
