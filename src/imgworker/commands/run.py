"""``imgworker run``: run Asset Compute processing requests (the main job).

    imgworker run REQUEST.json [REQUEST2.json ...] [--json] [--events FILE]
    imgworker run SOURCE --imgix 'w=300&h=300&fit=crop' -o OUT [--fmt jpg]

In the shorthand the output format is ``--fmt``, else the extension of ``OUT`` (``.jpg``, ``.png``,
``.webp``, ``.gif``, ``.avif``), else the source's (an ``fm`` in ``--imgix`` wins over all three).

Several request files run one after the other in one session (one renderer, sources staged once),
with one progress bar over all their renditions (on a terminal). Prints a table (request,
rendition, target, format, width x height, bytes, ms); with ``--json`` prints one JSON line per
event instead; ``--events FILE`` appends the events as JSON lines. Exit code 0 when every rendition
was made, 1 when any failed, 2 on a usage error (an unreadable request file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from imgworker.worker.config import WorkerConfig
from imgworker.worker.job import JobReport, run_job
from imgworker.worker.session import ImgixSession

SHORTHAND_FORMATS = frozenset({"jpg", "jpeg", "png", "webp", "gif", "avif"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run one processing request (source -> renditions)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("request", nargs="+", help="request JSON file(s), or one source (path/URL) with --imgix")
    p.add_argument("--imgix", help="imgix parameters for a one-rendition shorthand (query string or JSON)")
    p.add_argument("-o", "--output", help="target of the shorthand rendition (path or presigned URL)")
    p.add_argument("--fmt", help="rendition format of the shorthand (jpg, png, webp, gif, avif)")
    p.add_argument("--json", action="store_true", help="print events as JSON lines instead of a table")
    p.add_argument("--events", metavar="FILE", help="append events as JSON lines to FILE")
    p.set_defaults(func=main)


class UsageError(Exception):
    """A command-line mistake (exit code 2); ``str()`` says what to do."""


def build_requests(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """(label, request) pairs: each JSON file, or the shorthand's one-rendition request.

    Raises:
        UsageError: an unreadable or non-JSON request file, or a wrong combination of options.
    """
    if args.imgix is None:
        if args.output or args.fmt:
            raise UsageError("-o/--output and --fmt go with --imgix (the one-rendition shorthand)")
        out = []
        for name in args.request:
            try:
                request = json.loads(Path(name).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                hint = " (an image? use: imgworker run IMAGE --imgix 'w=300' -o OUT)" if _is_binary(name) else ""
                raise UsageError(f"cannot read the request {name}: {exc}{hint}") from None
            if not isinstance(request, dict):
                raise UsageError(f"cannot read the request {name}: expected a JSON object")
            out.append((name, request))
        return out
    if len(args.request) != 1:
        raise UsageError("--imgix takes exactly one source")
    return [("shorthand", build_request(args.request[0], args))]


def _is_binary(name: str) -> bool:
    """Whether the file looks like binary data (an image given where a request JSON was expected)."""
    try:
        with open(name, "rb") as f:
            head = f.read(1024)
    except OSError:
        return False
    return b"\x00" in head or head.lstrip()[:1] not in (b"{", b"[")


def build_request(source: str, args: argparse.Namespace) -> dict[str, Any]:
    """The shorthand's one-rendition request."""
    if not args.output:
        raise UsageError("--imgix needs -o/--output (the rendition target)")
    name = Path(args.output).name if "://" not in args.output else "rendition"
    rendition: dict[str, Any] = {"name": name, "imgix": args.imgix, "target": args.output}
    suffix = Path(urlsplit(args.output).path).suffix.lower().lstrip(".")
    fmt = args.fmt or (suffix if suffix in SHORTHAND_FORMATS else None)
    if fmt:
        rendition["fmt"] = fmt
    return {"source": source, "renditions": [rendition]}


def print_table(reports: list[tuple[str, JobReport]], console: Console) -> None:
    """The summary table; a ``request`` column when several requests ran."""
    many = len(reports) > 1
    table = Table(title="renditions")
    columns = (("request",) if many else ()) + ("rendition", "target", "format", "size", "bytes", "ms", "result")
    for col in columns:
        table.add_column(col, justify="right" if col in ("bytes", "ms") else "left")
    for label, report in reports:
        for r in report.renditions:
            size = f"{r.width}x{r.height}" if r.ok else ""
            result = "[green]created[/]" if r.ok else f"[red]{r.reason}[/]: {r.message}"
            row = (r.name, _short(r.target), r.fmt, size, str(r.size) if r.ok else "", f"{r.ms:.0f}", result)
            table.add_row(*(((label,) if many else ()) + row))
    console.print(table)
    if many:
        made = sum(len(r.renditions) - r.failed for _, r in reports)
        total = sum(len(r.renditions) for _, r in reports)
        console.print(f"{len(reports)} requests: {made}/{total} renditions made")


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
        requests = build_requests(args)
    except UsageError as exc:
        print(f"imgworker run: {exc}", file=sys.stderr)
        return 2
    events_file = open(args.events, "a", encoding="utf-8") if args.events else None  # noqa: SIM115
    count = sum(len(r.get("renditions") or []) if isinstance(r.get("renditions"), list) else 0 for _, r in requests)
    progress, task = _progress(count, quiet=args.json)

    def on_event(event: dict[str, Any]) -> None:
        rendition = event.get("rendition")
        name = rendition.get("name", "") if isinstance(rendition, dict) else ""
        progress.update(task, advance=1, description=str(name))
        line = json.dumps(event, ensure_ascii=False)
        if args.json:
            print(line, flush=True)
        if events_file:
            events_file.write(line + "\n")
            events_file.flush()

    config = WorkerConfig.from_env()
    try:
        session = ImgixSession(config)
    except ValueError as exc:  # e.g. IMGWORKER_STAGING_STORE=ftp://x or an invalid container name
        print(f"imgworker run: cannot open the staging store {config.staging_store!r}: {exc}", file=sys.stderr)
        return 2
    reports: list[tuple[str, JobReport]] = []
    try:
        with progress, session:
            for label, request in requests:
                reports.append((label, run_job(request, config, on_event=on_event, session=session)))
    finally:
        if events_file:
            events_file.close()
    for label, report in reports:
        if report.error:
            print(f"imgworker run: {label}: {report.error}", file=sys.stderr)
    if not args.json:
        print_table(reports, Console(width=max(Console().width, 120)))
    failed = any(r.failed or not r.renditions for _, r in reports)
    return 1 if failed else 0
