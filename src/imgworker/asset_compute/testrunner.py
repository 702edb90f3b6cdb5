"""``imgworker test-worker``: run worker test cases in the aio layout and judge them like aio.

Follows aio-cli-plugin-asset-compute ``src/lib/testrunner.js`` (spec section 8). Layout::

    <root>/[<action>/]<case>/file.<ext>       the source (first ``file*`` in sorted order)
                             params.json      the one rendition's instructions; ``errorReason`` = expected error
                             rendition.<ext>  the expected rendition (``fmt`` defaults to its extension)
                             validate         optional: ``bash validate <expected> <actual>``, exit 0 = pass

``<root>`` may be one case, a folder of cases (action = the folder name) or a folder of actions.

Judging: the run must finish (else **error**); with ``rendition.*`` the rendition must exist and match
(by :mod:`.imagecompare`: decoded pixels within a tolerance, byte equality for non-images; or the
``validate`` script), else **failure**; without it, the first rendition error's ``reason`` or ``name``
must equal ``errorReason``; with neither, a GenericError passes and a ClientError fails.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig
from imgworker.asset_compute.errors import AssetComputeError
from imgworker.asset_compute.imagecompare import compare_files
from imgworker.asset_compute.worker import AssetComputeWorker

Status = Literal["passed", "failed", "error"]


@dataclass(frozen=True)
class TestCase:
    """One case folder."""

    __test__ = False  # not a pytest class
    action: str
    name: str
    directory: Path
    source: Path | None
    instructions: dict[str, Any]
    expected: Path | None
    error_reason: str | None
    validate: Path | None


@dataclass
class CaseResult:
    """Outcome of one case: ``status``, a ``message`` for failures/errors, ``duration`` in seconds."""

    case: TestCase
    status: Status
    message: str = ""
    duration: float = 0.0
    actual: Path | None = field(default=None, repr=False)


def _is_case(directory: Path) -> bool:
    return any(directory.glob("file*")) or any(directory.glob("rendition.*")) or (directory / "params.json").is_file()


def _subdirs(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))


def discover(root: Path, pattern: str = "*") -> dict[str, list[TestCase]]:
    """Cases under ``root`` grouped by action, sorted; ``pattern`` is a glob on case names."""
    if _is_case(root):
        groups = {root.parent.name: [root]}
    elif any(_is_case(d) for d in _subdirs(root)):
        groups = {root.name: [d for d in _subdirs(root) if _is_case(d)]}
    else:
        groups = {a.name: [d for d in _subdirs(a) if _is_case(d)] for a in _subdirs(root)}
    return {
        action: [load_case(action, d) for d in dirs if Path(d.name).match(pattern)]
        for action, dirs in groups.items()
        if dirs
    }


def load_case(action: str, directory: Path) -> TestCase:
    """Read one case folder; raises ``ValueError`` for an unreadable ``params.json``."""
    params_file = directory / "params.json"
    try:
        instructions: dict[str, Any] = json.loads(params_file.read_text()) if params_file.is_file() else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"{params_file}: not valid JSON ({exc})") from None
    if not isinstance(instructions, dict):
        raise ValueError(f"{params_file}: expected a JSON object")
    error_reason = instructions.pop("errorReason", None)
    sources = sorted(p for p in directory.glob("file*") if p.is_file())
    expected = next(iter(sorted(p for p in directory.glob("rendition.*") if p.is_file())), None)
    if expected is not None and "fmt" not in instructions:
        instructions["fmt"] = expected.suffix.lstrip(".")
    validate = directory / "validate"
    return TestCase(
        action,
        directory.name,
        directory,
        sources[0] if sources else None,
        instructions,
        expected,
        error_reason,
        validate if validate.is_file() else None,
    )


async def run_case(
    worker: AssetComputeWorker,
    case: TestCase,
    *,
    build_dir: Path,
    timeout: float = 60.0,
    fuzz: float = 0.10,
    max_fraction: float = 0.0,
    update: bool = False,
) -> CaseResult:
    """Run ``case`` in a scratch folder and judge it (module docstring)."""
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="test-worker-"))
    try:
        in_dir, out_dir = scratch / "in", scratch / "out"
        shutil.copytree(case.directory, in_dir, symlinks=False)
        config = AssetComputeConfig(
            test_mode=True,
            test_in_dir=in_dir,
            test_out_dir=out_dir,
            work_base=scratch / "work",
            events_mode="log",
            disable_retries=True,
        )
        params: dict[str, Any] = {"renditions": [case.instructions], "requestId": f"Test: {case.name}"}
        if case.source is not None:
            params["source"] = case.source.name
        context = ActivationContext(activation_id=uuid.uuid4().hex, action_name=case.action)
        try:
            result = await asyncio.wait_for(worker.run(params, context=context, config=config), timeout)
        except TimeoutError:
            return CaseResult(case, "error", f"timed out after {timeout:g} seconds", time.monotonic() - started)
        except AssetComputeError as exc:
            return CaseResult(case, "error", f"'{case.action}' invocation failed: {exc}", time.monotonic() - started)
        outcome = _judge(case, result, out_dir, build_dir, fuzz, max_fraction, update)
        outcome.duration = time.monotonic() - started
        return outcome
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _judge(
    case: TestCase,
    result: dict[str, Any],
    out_dir: Path,
    build_dir: Path,
    fuzz: float,
    max_fraction: float,
    update: bool,
) -> CaseResult:
    errors = result.get("renditionErrors") or []
    if case.expected is not None and case.error_reason:
        return CaseResult(case, "error", "Invalid test case: both an expected rendition and an errorReason")
    if case.expected is None:
        if not errors:
            if case.error_reason:
                return CaseResult(case, "failed", f"Expected error '{case.error_reason}' but none occurred")
            return CaseResult(case, "error", "Missing expected rendition and no expected 'errorReason'")
        first = errors[0]
        got = first.get("reason") or first.get("name")
        if case.error_reason in (first.get("reason"), first.get("name")) or (
            case.error_reason is None and first.get("reason") is None
        ):
            return CaseResult(case, "passed", f"expected error: {got}")
        return CaseResult(
            case, "failed", f"Expected error '{case.error_reason}' but got '{got}': {first.get('message', '')}"
        )
    actual = next(iter(sorted(out_dir.glob("rendition*"))), None) if out_dir.is_dir() else None
    if actual is None:
        detail = f": {errors[0].get('message')}" if errors else ""
        return CaseResult(case, "failed", f"No rendition generated{detail}")
    reason = _compare(case, actual, fuzz, max_fraction)
    if reason is None:
        return CaseResult(case, "passed")
    if update:
        shutil.copyfile(actual, case.expected)
        return CaseResult(case, "passed", f"updated {case.expected.name}")
    kept = build_dir / "test-worker" / case.action / "failed" / case.name / actual.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(actual, kept)
    return CaseResult(
        case, "failed", f"Rendition '{actual.name}' not as expected: {reason} (actual kept at {kept})", actual=kept
    )


def _compare(case: TestCase, actual: Path, fuzz: float, max_fraction: float) -> str | None:
    assert case.expected is not None
    if case.validate is not None:
        proc = subprocess.run(
            ["bash", str(case.validate.resolve()), str(Path(case.expected).resolve()), str(Path(actual).resolve())],
            cwd=case.directory,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return None if proc.returncode == 0 else f"validate exit code was {proc.returncode}"
    return compare_files(case.expected, actual, fuzz=fuzz, max_fraction=max_fraction)
