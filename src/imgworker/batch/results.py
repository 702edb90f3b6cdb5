"""The results file: one JSON line per rendition outcome, and what ``--resume`` skips.

A record (written by :mod:`imgworker.batch.work`)::

    {"job": "imgworker-<40 hex>", "rendition_id": "<64 hex>", "line": 3, "source": "/abs/a.jpg",
     "profile": "web", "rendition": "thumb.jpg", "target": "/abs/out/a/thumb.jpg" (URL without query),
     "status": "created" | "failed", "reason": "" | "SourceCorrupt" | ..., "message": "",
     "format": "image/jpeg", "width": 120, "height": 80, "bytes": 5120, "sha256": "<hex>",
     "source_bytes": 112525, "source_sha256": "<hex>",
     "download_ms": 1.2, "render_ms": 41.0, "deliver_ms": 0.4, "ms": 41.4,
     "attempts": 1, "redelivered": false, "replayed": false, "worker": "host:pid",
     "finished_at": "2026-11-29T17:20:00.123+00:00"}

``replayed`` is true when the rendition had been made by an earlier delivery or submission (the
record is the one stored with its done marker). A job's records are appended together and
flushed; a torn last line (the submitter was killed while writing) is ignored on read.
:func:`done_jobs` gives the jobs whose every rendition is ``created``; ``--resume`` skips those.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

Record = dict[str, Any]


def read_records(path: str | Path) -> Iterator[Record]:
    """Records of a results (or events) file in order; a missing file has none, bad lines are skipped."""
    try:
        f = open(path, encoding="utf-8")  # noqa: SIM115
    except FileNotFoundError:
        return
    with f:
        for text in f:
            try:
                obj = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                yield obj


def done_jobs(path: str | Path) -> set[str]:
    """Job ids whose latest record for every rendition has ``status == "created"``."""
    latest: dict[str, dict[str, str]] = {}
    for record in read_records(path):
        job, name = record.get("job"), record.get("rendition")
        if isinstance(job, str) and isinstance(name, str):
            latest.setdefault(job, {})[name] = str(record.get("status"))
    return {job for job, states in latest.items() if states and all(s == "created" for s in states.values())}


def _ends_mid_line(path: Path) -> bool:
    """True when ``path`` exists, is not empty and does not end with a newline."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            if f.tell() == 0:
                return False
            f.seek(-1, 2)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False


class JsonLinesWriter:
    """Appends JSON lines to ``path`` (truncated first unless ``append``); flushes after each batch."""

    def __init__(self, path: str | Path, *, append: bool) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torn = append and _ends_mid_line(self.path)
        self._file: IO[str] = open(self.path, "a" if append else "w", encoding="utf-8")  # noqa: SIM115
        if torn:  # a crash cut the last line: end it, so the next record starts on its own line
            self._file.write("\n")

    def write(self, items: Iterable[Record]) -> None:
        """Append ``items`` (one line each) and flush them to the OS."""
        lines = "".join(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n" for item in items)
        if lines:
            self._file.write(lines)
            self._file.flush()

    def close(self) -> None:
        """Flush to disk and close."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def __enter__(self) -> JsonLinesWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
