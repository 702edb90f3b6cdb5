"""``imgworker run``: run one Asset Compute processing request (the main job).

    imgworker run REQUEST.json [--json] [--events FILE]
    imgworker run SOURCE --imgix 'w=300&h=300&fit=crop' -o OUT [--fmt jpg]

Prints a table (rendition, target, format, width x height, bytes, ms); with ``--json`` prints one
JSON line per event instead; ``--events FILE`` appends the events as JSON lines. Exit code 0 when
every rendition was made, 1 when any failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from imgworker.worker.config import WorkerConfig
from imgworker.worker.job import JobReport, run_job


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run one processing request (source -> renditions)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("request", help="request JSON file, or a source (path/URL) with --imgix")
    p.add_argument("--imgix", help="imgix parameters for a one-rendition shorthand (query string or JSON)")
    p.add_argument("-o", "--output", help="target of the shorthand rendition (path or presigned URL)")
    p.add_argument("--fmt", help="rendition format of the shorthand (jpg, png, webp, gif, avif)")
    p.add_argument("--json", action="store_true", help="print events as JSON lines instead of a table")
    p.add_argument("--events", metavar="FILE", help="append events as JSON lines to FILE")
    p.set_defaults(func=main)


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    """The request from a JSON file, or the shorthand's one-rendition request."""
    if args.imgix is None:
        path = Path(args.request)
        request: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return request
    if not args.output:
        raise SystemExit("imgworker run: --imgix needs -o/--output (the rendition target)")
    name = Path(args.output).name if "://" not in args.output else "rendition"
    rendition: dict[str, Any] = {"name": name, "imgix": args.imgix, "target": args.output}
    if args.fmt:
        rendition["fmt"] = args.fmt
    return {"source": args.request, "renditions": [rendition]}


def print_table(report: JobReport, console: Console) -> None:
    table = Table(title="renditions")
    for col in ("rendition", "target", "format", "size", "bytes", "ms", "result"):
        table.add_column(col, justify="right" if col in ("bytes", "ms") else "left")
    for r in report.renditions:
        size = f"{r.width}x{r.height}" if r.ok else ""
        result = "[green]created[/]" if r.ok else f"[red]{r.reason}[/]: {r.message}"
        table.add_row(r.name, _short(r.target), r.fmt, size, str(r.size) if r.ok else "", f"{r.ms:.0f}", result)
    console.print(table)


def _short(target: str) -> str:
    return target.split("?", 1)[0] if "://" in target else target


def _progress(renditions: int, *, quiet: bool) -> tuple[Progress, TaskID]:
    """A transient rich progress bar on stderr; disabled for ``--json``, one rendition, or no terminal."""
    err = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    disable = quiet or renditions < 2 or not err.is_terminal
    progress = Progress(*columns, console=err, transient=True, disable=disable)
    return progress, progress.add_task("renditions", total=renditions)


def main(args: argparse.Namespace) -> int:
    try:
        request = build_request(args)
    except (OSError, json.JSONDecodeError) as exc:
        print(f"imgworker run: cannot read the request: {exc}", file=sys.stderr)
        return 2
    events_file = open(args.events, "a", encoding="utf-8") if args.events else None  # noqa: SIM115
    progress, task = _progress(len(request.get("renditions") or []), quiet=args.json)

    def on_event(event: dict[str, Any]) -> None:
        progress.update(task, advance=1, description=str((event.get("rendition") or {}).get("name", "")))
        line = json.dumps(event, ensure_ascii=False)
        if args.json:
            print(line, flush=True)
        if events_file:
            events_file.write(line + "\n")
            events_file.flush()

    try:
        with progress:
            report = run_job(request, WorkerConfig.from_env(), on_event=on_event)
    finally:
        if events_file:
            events_file.close()
    if not args.json:
        print_table(report, Console(width=max(Console().width, 120)))
    return 1 if report.failed or not report.renditions else 0
