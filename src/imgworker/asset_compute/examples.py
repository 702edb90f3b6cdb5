"""Example workers, used by the docs, the OpenWhisk zip default and the ``worker-cases/passthrough`` cases.

``passthrough`` is asset-compute-example-workers' ``worker-basic`` (copy the source to the rendition),
with wknd's ``corrupt-input`` rule (an empty source raises ``SourceCorruptError``) and an ``fmt`` check
(``fmt`` must match the source's extension, else ``RenditionFormatUnsupportedError``, since a copy
cannot convert).
"""

from __future__ import annotations

import shutil
from typing import Any

from imgworker.asset_compute.errors import RenditionFormatUnsupportedError, SourceCorruptError
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.source import Source
from imgworker.asset_compute.worker import worker

_SAME = {"jpg": "jpeg", "jpeg": "jpeg", "tif": "tiff", "tiff": "tiff"}


def copy_source(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
    """Copy ``source.path`` to ``rendition.path``.

    Raises ``SourceCorruptError`` for a missing or empty source, ``RenditionFormatUnsupportedError``
    when ``fmt`` names another format than the source's extension.
    """
    if source is None or not source.exists() or source.path.stat().st_size == 0:
        raise SourceCorruptError("source is missing or empty")
    fmt = (rendition.fmt or "").lower()
    ext = source.extension.lower()
    if fmt and ext and _SAME.get(fmt, fmt) != _SAME.get(ext, ext):
        raise RenditionFormatUnsupportedError(f"cannot convert {ext} to {fmt}: this worker copies the source")
    shutil.copyfile(source.path, rendition.path)


#: ``imgworker.asset_compute.examples:passthrough``
passthrough = worker(copy_source)
