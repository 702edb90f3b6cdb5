"""Source download: ``https:`` (``http:`` when allowed), ``data:`` URIs, and local files in test mode.

Follows asset-compute-pipeline ``lib/storage/http.js``/``datauri.js`` and node-httptransfer v3.4.1
``lib/block/blockdownload.js`` (spec section 2), with these differences (docs/asset-compute.md):

* no HEAD request: one streaming ``GET`` with ``source.headers``, written to disk as it arrives (no
  100 MiB in-memory ceiling). When a transfer breaks and the server sent ``Accept-Ranges: bytes``, the
  retry resumes with ``Range: bytes=<received>-``;
* when the client gave ``source.size`` above ``preferred_part_size``, parts are fetched concurrently with
  ``Range`` requests (up to ``max_concurrent_parts``), falling back to one stream if Range is ignored;
* retries as :mod:`imgworker.asset_compute.transport` within ``retry_budget``; a response shorter than
  its ``Content-Length`` is retried.

Failures raise ``GenericError(<message>, "<action>_download")``; an empty ``data:`` URI raises
``SourceUnsupportedError`` (as the reference).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.datauri import is_data_uri, parse_data_uri
from imgworker.asset_compute.errors import GenericError, SourceUnsupportedError
from imgworker.asset_compute.params import is_local, local_path
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.source import Source
from imgworker.asset_compute.transport import HttpStatusError, response_text, retrying, run_all

log = get_logger(__name__)
CHUNK = 1 << 16


class _RangeIgnored(Exception):
    """The server answered a Range request with the whole body."""


@dataclass
class _Progress:
    received: int = 0
    resumable: bool = False


async def download(source: Source, client: httpx.AsyncClient, config: AssetComputeConfig, action: str) -> None:
    """Fetch ``source.url`` into ``source.path`` and set ``source.size`` to the file size (bytes)."""
    location = f"{action}_download"
    source.path.parent.mkdir(parents=True, exist_ok=True)
    if config.test_mode and not is_data_uri(source.url) and "://" not in source.url:
        _copy_test_file(source, config, location)
    elif config.local_files and is_local(source.url):
        _copy_local_file(source, location)
    elif is_data_uri(source.url):
        try:
            data = parse_data_uri(source.url).data
        except ValueError as exc:
            raise GenericError(f"Invalid data url: {exc}", location) from None
        if not data:
            raise SourceUnsupportedError(f"Invalid or missing local file {source.name}")
        source.path.write_bytes(data)
    else:
        try:
            if not (source.size and source.size > config.preferred_part_size) or not await _ranged(
                source, client, config
            ):
                await _streamed(source, client, config)
        except (httpx.HTTPError, HttpStatusError, OSError) as exc:
            raise GenericError(str(exc) or type(exc).__name__, location) from exc
    source.size = source.path.stat().st_size
    log.info("source downloaded: %s (%d bytes)", source.name, source.size)


def _copy_local_file(source: Source, location: str) -> None:
    """``IMGWORKER_LOCAL_FILES`` mode: the source is a path or ``file://`` URL on this machine."""
    path = local_path(source.url)
    if not path.is_file():
        raise GenericError(f"Source file not found: {source.url}", location)
    shutil.copyfile(path, source.path)


def _copy_test_file(source: Source, config: AssetComputeConfig, location: str) -> None:
    candidate = Path(source.url)
    if not candidate.is_absolute() and config.test_in_dir is not None:
        candidate = config.test_in_dir / source.url
    if not candidate.is_file():
        raise GenericError(f"Test source file not found: {source.url}", location)
    shutil.copyfile(candidate, source.path)


async def _streamed(source: Source, client: httpx.AsyncClient, config: AssetComputeConfig) -> None:
    progress = _Progress()
    async for attempt in retrying(config, config.retry_budget):
        with attempt:
            await _stream_once(source, client, progress)


async def _stream_once(source: Source, client: httpx.AsyncClient, progress: _Progress) -> None:
    headers = {**source.headers, "accept-encoding": "identity"}
    offset = progress.received if progress.resumable else 0
    if offset:
        headers["range"] = f"bytes={offset}-"
    async with client.stream("GET", source.url, headers=headers, follow_redirects=True) as resp:
        if not resp.is_success:
            await resp.aread()
            raise HttpStatusError("GET", source.url, resp.status_code, response_text(resp))
        if offset and resp.status_code != 206:
            offset = 0
        progress.resumable = resp.headers.get("accept-ranges", "").lower() == "bytes"
        expected = resp.headers.get("content-length")
        with source.path.open("r+b" if offset else "wb") as fh:
            fh.seek(offset)
            fh.truncate()
            progress.received = offset
            async for chunk in resp.aiter_bytes(CHUNK):
                fh.write(chunk)
                progress.received += len(chunk)
        if expected is not None and progress.received - offset != int(expected):
            raise httpx.ReadError(
                f"incomplete body: {progress.received - offset} of {expected} bytes", request=resp.request
            )


async def _ranged(source: Source, client: httpx.AsyncClient, config: AssetComputeConfig) -> bool:
    """Concurrent Range GETs; False when the server ignores Range (the caller then streams)."""
    size = source.size or 0
    part = config.preferred_part_size
    ranges = [(lo, min(lo + part, size) - 1) for lo in range(0, size, part)]
    sem = asyncio.Semaphore(config.max_concurrent_parts)
    fd = os.open(source.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, size)

        async def fetch(lo: int, hi: int) -> None:
            async with sem:
                async for attempt in retrying(config, config.retry_budget):
                    with attempt:
                        await _fetch_range(source, client, fd, lo, hi)

        await run_all(fetch(lo, hi) for lo, hi in ranges)
        return True
    except _RangeIgnored:
        log.info("server ignored Range; downloading %s as one stream", source.name)
        return False
    finally:
        os.close(fd)


async def _fetch_range(source: Source, client: httpx.AsyncClient, fd: int, lo: int, hi: int) -> None:
    headers = {**source.headers, "accept-encoding": "identity", "range": f"bytes={lo}-{hi}"}
    async with client.stream("GET", source.url, headers=headers, follow_redirects=True) as resp:
        if resp.status_code == 200:
            raise _RangeIgnored()
        if resp.status_code != 206:
            await resp.aread()
            raise HttpStatusError("GET", source.url, resp.status_code, response_text(resp))
        pos = lo
        async for chunk in resp.aiter_bytes(CHUNK):
            os.pwrite(fd, chunk, pos)
            pos += len(chunk)
        if pos != hi + 1:
            raise httpx.ReadError(f"incomplete range {lo}-{hi}: got {pos - lo} bytes", request=resp.request)
