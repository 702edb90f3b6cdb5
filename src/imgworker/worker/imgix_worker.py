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
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from imgworker.render.errors import RenderError
from imgworker.render.params import parse_query
from imgworker.render.params.parse import BY_NAME, canonical
from imgworker.storage import BlobStore
from imgworker.storage.staging import StagedSource as StagedSource
from imgworker.storage.staging import stage as stage_blob
from imgworker.worker.fetch import FetchError, fetch
from imgworker.worker.signing import InstructionsError, build_url, imgix_params

FMT_TO_FM = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif", "avif": "avif"}


@dataclass(frozen=True)
class RenditionResult:
    """What was written to the rendition path: byte size and the renderer's Content-Type."""

    path: str
    size: int
    content_type: str
    url: str


def stage(store: BlobStore, source_path: str, filename: str) -> StagedSource:
    """Copy a local source file into ``store`` under ``<sha256>.<ext>``; skip when already there
    (:func:`imgworker.storage.staging.stage`).

    Raises:
        FetchError: ``SourceCorrupt`` when the file is empty (field case A10: refused before any render).
    """
    if os.path.getsize(source_path) == 0:
        raise FetchError("SourceCorrupt", "source file is empty (0 bytes)")
    return stage_blob(store, source_path, filename=filename)


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
    if "fm" not in names and fmt in FMT_TO_FM:
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


def render_rendition(
    client: httpx.Client,
    base_url: str,
    token: str | None,
    staged: StagedSource,
    params: dict[str, str],
    out_path: str,
) -> RenditionResult:
    """Sign, fetch and write the rendition atomically to ``out_path`` (nothing on failure)."""
    url = build_url(base_url, staged.key, params, token)
    rendered = fetch(client, url)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(rendered.data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return RenditionResult(str(out), len(rendered.data), rendered.content_type, url)
