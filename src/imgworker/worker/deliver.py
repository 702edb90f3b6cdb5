"""Step 3b of the seed: put a finished rendition at its target, whole or not at all.

Targets: a local path (written to a temporary file in the same folder, then renamed) or an
``http(s)`` presigned URL (one ``PUT`` of the whole file; 5xx/429/network errors retried with
backoff, 401/403 and other 4xx are final, 413 is ``RenditionTooLarge``). A refusal names the
status and the store's error code (Azure's ``x-ms-error-code`` header or the ``<Code>`` of an
Azure/S3 XML error body), e.g. ``target refused the upload (404 ContainerNotFound: the container
does not exist)``; a message counts the attempts actually made. AEM's multipart targets
(``{urls, minPartSize, maxPartSize}``) are handled by :mod:`imgworker.asset_compute`'s transfer.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from imgworker.atomicfile import write_atomic
from imgworker.worker.fetch import FetchError

_XML_CODE = re.compile(rb"<Code>\s*([A-Za-z0-9.]{1,64})\s*</Code>")
_MISSING = {"ContainerNotFound": "the container does not exist", "NoSuchBucket": "the bucket does not exist"}


class _Retry(Exception):
    pass


def error_code(response: httpx.Response) -> str:
    """The storage error code of a refused request: Azure's ``x-ms-error-code`` header, else the
    ``<Code>`` element of an XML error body (Azure, S3), else ``""``."""
    code = str(response.headers.get("x-ms-error-code") or "").strip()
    if code:
        return code
    match = _XML_CODE.search(response.content[:4096])
    return match.group(1).decode("ascii") if match else ""


def _refusal(response: httpx.Response) -> str:
    code = error_code(response)
    text = f"{response.status_code} {code}" if code else str(response.status_code)
    return f"{text}: {_MISSING[code]}" if code in _MISSING else text


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
    made = 0

    @retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Retry)),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.2, max=5),
        reraise=True,
    )
    def once() -> httpx.Response:
        nonlocal made
        made += 1
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
            raise _Retry(f"upload answered {_refusal(response)}")
        return response

    try:
        response = once()
    except _Retry as exc:
        tries = f" (after {made} attempts)" if made > 1 else ""
        raise FetchError("GenericError", f"{exc}{tries}") from None
    if response.status_code == 413:
        raise FetchError("RenditionTooLarge", f"target refused the upload of {size} bytes (413)", 413)
    if response.status_code >= 400:
        raise FetchError("GenericError", f"target refused the upload ({_refusal(response)})", response.status_code)
