"""Delivering one finished rendition: test-mode copy, then embed in the event or upload.

Follows asset-compute-pipeline ``lib/storage/index.js`` ``putRendition`` (spec sections 3 and 4):

* test mode (``WORKER_TEST_MODE``): the file is copied to ``test_out_dir`` as ``rendition<i>.<fmt>`` and,
  when ``instructions.name`` is a plain file name, also under that name (the reference's ``/out``);
* ``embedBinaryLimit``: a rendition of at most that many bytes (<= 32768) is returned as a data URI for
  the event and not uploaded;
* with ``local_files`` (``IMGWORKER_LOCAL_FILES``, local runs) a path or ``file://`` target is written
  through a temporary file and a rename (whole or absent);
* otherwise it is uploaded (:mod:`.upload`), unless uploads are disabled or, in test mode, there is no
  target.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.params import is_local, local_path
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.upload import upload
from imgworker.atomicfile import write_atomic


def write_local(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` through a temporary file and a rename: the target is whole or absent."""
    write_atomic(dest, [src])


def copy_to_test_out(rendition: Rendition, out: Path) -> None:
    """Copy the rendition file into ``out`` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(rendition.path, out / rendition.name)
    name = rendition.instructions.get("name")
    if isinstance(name, str) and name and Path(name).name == name and name != rendition.name:
        shutil.copyfile(rendition.path, out / name)


async def deliver(
    rendition: Rendition,
    client: httpx.AsyncClient,
    config: AssetComputeConfig,
    action: str,
    *,
    disable_upload: bool = False,
) -> tuple[str | None, float]:
    """Deliver ``rendition``; returns (the data URI when embedded else None, upload seconds).

    Raises the errors of :func:`imgworker.asset_compute.upload.upload`.
    """
    if config.test_mode and config.test_out_dir is not None and rendition.exists():
        copy_to_test_out(rendition, config.test_out_dir)
    if rendition.exists() and rendition.should_embed():
        return rendition.as_data_uri(), 0.0
    if disable_upload or (config.test_mode and rendition.target is None):
        return None, 0.0
    if config.local_files and isinstance(rendition.target, str) and is_local(rendition.target):
        started = time.monotonic()
        write_local(rendition.path, local_path(rendition.target))
        return None, time.monotonic() - started
    started = time.monotonic()
    await upload(rendition, client, config, action)
    return None, time.monotonic() - started
