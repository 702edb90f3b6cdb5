"""write_atomic: whole or absent, usual file mode."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from imgworker.atomicfile import write_atomic


def test_writes_pieces_with_the_usual_mode(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"cd")
    dest = tmp_path / "a" / "b.bin"
    write_atomic(dest, [b"ab", src, io.BytesIO(b"ef")])
    assert dest.read_bytes() == b"abcdef"
    umask = os.umask(0o022)
    os.umask(umask)
    assert dest.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_failure_leaves_nothing(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: object) -> int:
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        write_atomic(tmp_path / "x.bin", [b"partial", Broken()])  # type: ignore[list-item]
    assert list(tmp_path.iterdir()) == []
