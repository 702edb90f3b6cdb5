"""Write a file whole or not at all: a temporary file in the same folder, then a rename.

Used wherever imgworker writes a rendition, a staged blob or a target on local disk, so a reader
never sees a half-written file and a failure leaves nothing behind. The file gets the usual mode
(``0o666`` minus the process umask), not ``mkstemp``'s private ``0o600``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

Piece = bytes | BinaryIO | Path


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would race with other threads)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def write_atomic(dest: Path, pieces: Iterable[Piece], *, prefix: str = ".part-") -> None:
    """Write ``pieces`` (bytes, readable binary files, or paths to copy) one after the other to ``dest``.

    The parent folders are created. Raises whatever the writes raise, after removing the temporary file.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in pieces:
                if isinstance(piece, bytes):
                    out.write(piece)
                elif isinstance(piece, Path):
                    with piece.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
                else:
                    shutil.copyfileobj(piece, out, 1 << 20)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
