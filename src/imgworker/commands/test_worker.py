"""``imgworker test-worker [DIR]``: run Asset Compute worker test cases (aio layout) and report them.

Like ``aio asset-compute test-worker``: one line per case (``✔``/``✖``/``!``), a summary, a JUnit file at
``<build>/test-results/test-<action>/test-results.xml``, and the exit code 0 (all passed), 1 (failures),
2 (errors) or 3 (no cases, or the worker cannot be loaded). The layout and the judging rules are in
:mod:`imgworker.asset_compute.testrunner`.

The worker of an action is ``--worker module:attr``, else the entry for the action in ``<DIR>/manifest.json``
(``{"<action>": "module:attr"}``), else ``IMGWORKER_ASSET_COMPUTE_WORKER``
(default: the imgix worker, ``imgworker.worker.action:main``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TextIO

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.redact import configure_logging
from imgworker.asset_compute.testrunner import CaseResult, discover, run_case
from imgworker.asset_compute.worker import AssetComputeWorker, load_worker

DEFAULT_DIRS = ("worker-cases", "test/asset-compute")
MARK = {"passed": "✔", "failed": "✖", "error": "!"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "test-worker",
        help="run Asset Compute worker test cases (aio layout)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", nargs="?", type=Path, help="cases folder (default: worker-cases/)")
    parser.add_argument("-w", "--worker", help="worker as module:attr (overrides manifest.json)")
    parser.add_argument("-t", "--testcase", default="*", help="glob on case names (default: all)")
    parser.add_argument("-u", "--update", action="store_true", help="overwrite expected renditions that differ")
    parser.add_argument("--fuzz", type=float, default=0.10, help="per-band tolerance 0..1 (default 0.10)")
    parser.add_argument("--max-diff", type=float, default=0.0, help="allowed fraction of differing pixels")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case (default 60)")
    parser.add_argument("-v", "--verbose", action="store_true", help="worker logs as JSON lines on stderr")
    parser.add_argument("--build-dir", type=Path, default=Path("build"), help="reports folder (default build/)")
    parser.set_defaults(func=main)


def _workers(root: Path, actions: list[str], override: str | None) -> dict[str, AssetComputeWorker]:
    manifest_file = root / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {}
    default = AssetComputeConfig.from_env().worker_ref
    return {a: load_worker(override or manifest.get(a) or default) for a in actions}


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    if getattr(args, "verbose", False):
        configure_logging(logging.INFO)
    root = args.dir or next((Path(d) for d in DEFAULT_DIRS if Path(d).is_dir()), Path(DEFAULT_DIRS[0]))
    if not root.is_dir():
        print(f"✖ No test folder {root}", file=stream)
        return 3
    try:
        groups = discover(root, args.testcase)
    except (OSError, ValueError) as exc:  # an unreadable params.json: say which, no traceback
        print(f"✖ Cannot read the test cases: {exc}", file=stream)
        return 2
    if not any(groups.values()):
        print(f"✖ No test cases found in {root}", file=stream)
        return 3
    try:
        workers = _workers(root, list(groups), args.worker)
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        print(f"✖ Cannot load the worker: {exc}", file=stream)
        return 3
    print(f"Running tests in {root}", file=stream)
    results: dict[str, list[CaseResult]] = {}
    for action, cases in groups.items():
        print(f" - {action}", file=stream)
        results[action] = []
        for case in cases:
            result = asyncio.run(
                run_case(
                    workers[action],
                    case,
                    build_dir=args.build_dir,
                    timeout=args.timeout,
                    fuzz=args.fuzz,
                    max_fraction=args.max_diff,
                    update=args.update,
                )
            )
            results[action].append(result)
            detail = f": {result.message}" if result.message else ""
            print(f"    {MARK[result.status]}  {case.name}{detail}", file=stream)
        _junit(args.build_dir / "test-results" / f"test-{action}" / "test-results.xml", action, results[action])
    flat = [r for rs in results.values() for r in rs]
    failures = sum(r.status == "failed" for r in flat)
    errors = sum(r.status == "error" for r in flat)
    mark = "✔" if not failures and not errors else "✖"
    print(f"\n{mark} Tests: {len(flat)}, Failures: {failures}, Errors: {errors}", file=stream)
    return 2 if errors else (1 if failures else 0)


def _junit(path: Path, action: str, results: list[CaseResult]) -> None:
    suite = ET.Element(
        "testsuite",
        name=action,
        tests=str(len(results)),
        failures=str(sum(r.status == "failed" for r in results)),
        errors=str(sum(r.status == "error" for r in results)),
        skipped="0",
        time=f"{sum(r.duration for r in results):.3f}",
    )
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=action, name=result.case.name, time=f"{result.duration:.3f}")
        if result.status == "failed":
            ET.SubElement(case, "failure", message=result.message)
        elif result.status == "error":
            ET.SubElement(case, "error", message=result.message)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = ET.Element("testsuites", name="test-worker")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
