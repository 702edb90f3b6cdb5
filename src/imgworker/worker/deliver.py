"""Step 3b of the seed: put a finished rendition at its target, whole or not at all.

Targets: a local path (written to a temporary file in the same folder, then renamed) or an
``http(s)`` presigned URL (one ``PUT`` of the whole file; 5xx/429/network errors retried with
backoff, 401/403 and other 4xx are final, 413 is ``RenditionTooLarge``). AEM's multipart targets
(``{urls, minPartSize, maxPartSize}``) are handled by :mod:`imgworker.asset_compute`'s transfer.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from imgworker.atomicfile import write_atomic
from imgworker.worker.fetch import FetchError


class _Retry(Exception):
    pass


def deliver(client: httpx.Client, file_path: str, target: str, content_type: str, *, attempts: int = 4) -> None:
    """Copy ``file_path`` to ``target`` (path, ``file://`` URL or http(s) URL).

    Raises:
        FetchError: reason ``GenericError`` (or ``RenditionTooLarge`` on 413) naming the status.
    """
    if target.startswith(("http://", "https://")):
        _put(client, file_path, target, content_type, attempts)
        return
    path = Path(unquote(urlsplit(target).path) if target.startswith("file://") else target)
    write_atomic(path, [Path(file_path)])


def _put(client: httpx.Client, file_path: str, url: str, content_type: str, attempts: int) -> None:
    size = os.path.getsize(file_path)

    @retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Retry)),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.2, max=5),
        reraise=True,
    )
    def once() -> httpx.Response:
        try:
            with open(file_path, "rb") as f:
                response = client.put(
                    url,
                    content=f.read(),
                    headers={
                        "Content-Type": content_type,
                        "Content-Length": str(size),
                        "x-ms-blob-type": "BlockBlob",
                    },
                )
        except httpx.HTTPError as exc:
            raise _Retry(f"upload failed: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retry(f"upload answered {response.status_code}")
        return response

    try:
        response = once()
    except _Retry as exc:
        raise FetchError("GenericError", f"{exc} after {attempts} attempts") from None
    if response.status_code == 413:
        raise FetchError("RenditionTooLarge", f"target refused the upload of {size} bytes (413)", 413)
    if response.status_code >= 400:
        raise FetchError("GenericError", f"target refused the upload ({response.status_code})", response.status_code)
