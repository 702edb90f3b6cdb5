"""The seed's custom worker: stage -> sign -> fetch, one rendition at a time.

This is the rendition callback of an Asset Compute worker (the Adobe tutorial's
``worker-imgix``): given the downloaded source file and a rendition's instructions it

1. stages the source into the store imgix reads (content-addressed key: a re-run does not copy
   again),
2. builds the signed imgix URL from ``instructions.imgix`` (+ ``fm`` from ``instructions.fmt`` when
   the parameters do not set one, so a ``.png`` rendition is a PNG),
3. fetches the rendered image and writes it to the rendition's local path.

Before any request it rejects, with a clear message, an empty source (``SourceCorrupt``, field case
A10) and parameters the embedded renderer does not implement (so nothing is silently ignored).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from imgworker.atomicfile import write_atomic
from imgworker.render.errors import RenderError
from imgworker.render.params import parse_query
from imgworker.render.params.parse import BY_NAME, canonical
from imgworker.storage import BlobStore
from imgworker.storage.staging import StagedSource as StagedSource
from imgworker.storage.staging import stage as stage_blob
from imgworker.worker.fetch import FetchError, fetch
from imgworker.worker.signing import InstructionsError, build_url, imgix_params

FMT_TO_FM = {"jpg": "jpg", "jpeg": "jpg", "pjpg": "pjpg", "png": "png", "webp": "webp", "gif": "gif", "avif": "avif"}


@dataclass(frozen=True)
class RenditionResult:
    """What was written to the rendition path: byte size and the renderer's Content-Type."""

    path: str
    size: int
    content_type: str
    url: str


def stage(store: BlobStore, source_path: str, filename: str, reuse_max_age: timedelta | None = None) -> StagedSource:
    """Copy a local source file into ``store`` under ``<sha256>.<ext>``; skip when already there
    (:func:`imgworker.storage.staging.stage`).

    Raises:
        FetchError: ``SourceCorrupt`` when the file is empty (field case A10: refused before any render).
    """
    if os.path.getsize(source_path) == 0:
        raise FetchError("SourceCorrupt", "source file is empty (0 bytes)")
    return stage_blob(store, source_path, filename=filename, reuse_max_age=reuse_max_age)


def rendition_params(instructions: dict[str, Any], *, check_implemented: bool) -> dict[str, str]:
    """The imgix parameters of a rendition (``fm`` added from ``fmt`` when missing).

    Raises:
        FetchError: ``GenericError`` for malformed ``imgix`` instructions, or for parameters the
            embedded renderer does not implement (named in the message).
    """
    try:
        params = imgix_params(instructions.get("imgix"))
    except InstructionsError as exc:
        raise FetchError("GenericError", str(exc)) from None
    names = {canonical(k)[0] for k in params}
    fmt = str(instructions.get("fmt") or "").lower()
    if "fm" not in names and fmt:
        if fmt not in FMT_TO_FM:  # a .tiff/.mp4/.bmp rendition must not silently hold a PNG
            raise FetchError(
                "RenditionFormatUnsupported",
                f"rendition fmt={fmt} is not a format the imgix worker makes ({', '.join(sorted(FMT_TO_FM))}; "
                "or set `fm` in the imgix instructions)",
            )
        params["fm"] = FMT_TO_FM[fmt]
    if check_implemented:
        try:
            parsed = parse_query("&".join(f"{k}={_q(v)}" for k, v in params.items()))
        except RenderError as exc:  # e.g. w=0: refused before any request, naming the parameter
            raise FetchError("GenericError", exc.message) from None
        missing = [n for n in parsed.unimplemented if BY_NAME[n].tier != "X"]
        if missing:
            raise FetchError(
                "GenericError",
                f"imgix parameter(s) not implemented by the embedded renderer: {', '.join(sorted(missing))}",
            )
    return params


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


_NON_IMAGE = {"json": "application/json", "blurhash": "text/plain", "css": "text/css"}


def check_content(content_type: str, data: bytes, params: dict[str, str]) -> None:
    """The renderer's answer must be what the parameters ask for: an image, unless ``fm=json``,
    ``fm=blurhash`` or ``palette=json|css`` ask for a document.

    Raises:
        FetchError: ``GenericError`` naming the Content-Type received.
    """
    ctype = content_type.split(";")[0].strip().lower()
    wanted = _NON_IMAGE.get(params.get("fm", "")) or (
        _NON_IMAGE.get(params.get("palette", "")) if params.get("palette") in ("json", "css") else None
    )
    if wanted:
        ok = ctype == wanted or (wanted == "application/json" and ctype.endswith("+json"))
    else:
        ok = ctype.startswith("image/") or (
            ctype in ("", "application/octet-stream") and not data.lstrip().startswith(b"<")
        )
    if not ok:
        raise FetchError(
            "GenericError", f"the renderer answered 200 with {ctype or 'no Content-Type'}, not a rendition"
        )


def render_rendition(
    client: httpx.Client,
    base_url: str,
    token: str | None,
    staged: StagedSource,
    params: dict[str, str],
    out_path: str,
) -> RenditionResult:
    """Sign, fetch and write the rendition atomically to ``out_path`` (nothing on failure).

    Raises:
        FetchError: bad ``*64`` instructions, a renderer error, or a body that is not what was asked
            (an HTML error page answered with 200 is never shipped as a rendition).
    """
    try:
        url = build_url(base_url, staged.key, params, token)
    except InstructionsError as exc:
        raise FetchError("GenericError", str(exc)) from None
    rendered = fetch(client, url)
    check_content(rendered.content_type, rendered.data, params)
    out = Path(out_path)
    write_atomic(out, [rendered.data])
    return RenditionResult(str(out), len(rendered.data), rendered.content_type, url)
