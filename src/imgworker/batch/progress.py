"""What the submitter shows: a live progress bar and, at the end, a summary table.

The bar counts renditions: done/total, failed, rate (renditions/s since the start) and ETA
(rich's estimate). The summary has one row per profile (jobs, created, replayed, failed, mean
render ms, failure reasons) and a total line with wall time and rate; then up to
``max_failures`` failed renditions with reason and message.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

Record = dict[str, Any]


@dataclass
class ProfileStats:
    """Counts for one profile."""

    jobs: int = 0
    created: int = 0
    replayed: int = 0
    failed: int = 0
    render_ms: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class Summary:
    """Totals of a batch run; ``skipped`` counts jobs left out by ``--resume``."""

    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    skipped: int = 0
    profiles: dict[str, ProfileStats] = field(default_factory=dict)
    failures: list[Record] = field(default_factory=list)

    def add(self, profile: str, records: Iterable[Record]) -> None:
        """Count one finished job's records."""
        stats = self.profiles.setdefault(profile, ProfileStats())
        stats.jobs += 1
        for r in records:
            if r.get("status") == "created":
                stats.created += 1
                stats.replayed += bool(r.get("replayed"))
                stats.render_ms += float(r.get("render_ms") or 0.0)
            else:
                stats.failed += 1
                stats.reasons[str(r.get("reason") or "GenericError")] += 1
                self.failures.append(r)

    @property
    def created(self) -> int:
        return sum(s.created for s in self.profiles.values())

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.profiles.values())

    @property
    def seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    @property
    def rate(self) -> float:
        """Renditions (created or failed) per second of wall time."""
        return (self.created + self.failed) / self.seconds if self.seconds > 0 else 0.0

    def table(self, title: str) -> Table:
        """The per-profile table with a total row."""
        table = Table(title=title)
        for col in ("profile", "jobs", "created", "replayed", "failed", "mean render ms", "failure reasons"):
            table.add_column(col, justify="left" if col in ("profile", "failure reasons") else "right")
        for name, s in sorted(self.profiles.items()):
            fresh = s.created - s.replayed
            mean = f"{s.render_ms / fresh:.0f}" if fresh else ""
            reasons = ", ".join(f"{k} x{v}" for k, v in s.reasons.most_common())
            table.add_row(name, str(s.jobs), str(s.created), str(s.replayed), str(s.failed), mean, reasons)
        jobs = sum(s.jobs for s in self.profiles.values())
        replayed = sum(s.replayed for s in self.profiles.values())
        table.add_row(
            "[bold]total", str(jobs), str(self.created), str(replayed), str(self.failed), "", "", end_section=True
        )
        return table

    def print(self, console: Console, title: str, *, max_failures: int = 20) -> None:
        """Print the table, the totals line and the first failures."""
        console.print(self.table(title))
        skipped = f", {self.skipped} jobs skipped (--resume)" if self.skipped else ""
        console.print(
            f"{self.created} created, {self.failed} failed in {self.seconds:.1f} s "
            f"({self.rate:.1f} renditions/s){skipped}"
        )
        for r in self.failures[:max_failures]:
            console.print(f"[red]{r.get('reason')}[/] {r.get('source')} -> {r.get('rendition')}: {r.get('message')}")
        if len(self.failures) > max_failures:
            console.print(f"... and {len(self.failures) - max_failures} more failures (see the results file)")


class BatchProgress:
    """A rich progress bar over ``total`` renditions (disabled: every call is a no-op)."""

    def __init__(self, total: int, *, console: Console, enabled: bool = True, label: str = "renditions") -> None:
        self.enabled = enabled
        self._start = time.perf_counter()
        self._failed = 0
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]}/s"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(label, total=total, failed=0, rate="0.0")

    def advance(self, records: list[Record]) -> None:
        """Count one finished job's records."""
        self._failed += sum(r.get("status") != "created" for r in records)
        done = self._progress.tasks[0].completed + len(records)
        rate = done / max(1e-9, time.perf_counter() - self._start)
        self._progress.update(self._task, advance=len(records), failed=self._failed, rate=f"{rate:.1f}")

    def skip(self, renditions: int) -> None:
        """Take renditions that will not run (``--resume``) off the total."""
        total = self._progress.tasks[0].total or 0
        self._progress.update(self._task, total=max(0, total - renditions))

    def __enter__(self) -> BatchProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()
