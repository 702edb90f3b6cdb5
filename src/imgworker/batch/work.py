"""One batch job, start to finish: the code both runners (process pool, Celery task) execute.

:func:`process_job` downloads the source, stages it (content-addressed), and for each rendition

1. computes its rendition id from the downloaded bytes (:func:`~imgworker.batch.jobs.rendition_id`);
2. if the ledger already has it done, returns the stored record with ``replayed: true`` (no render,
   no write, no event);
3. otherwise signs and fetches the rendition from the renderer, writes the target whole, and only
   then commits the done marker together with the ``rendition_created`` event
   (:meth:`~imgworker.batch.ledger.Ledger.commit`).

Failures become records with an Asset Compute ``reason``; a source-level reason (the source is
corrupt, unsupported, missing) fails the remaining renditions without asking the renderer again.
A transient failure (network, 429, 5xx) sets :attr:`JobOutcome.retry` unless this is the final
attempt, in which case it is recorded as ``GenericError``.

It runs with the process's :class:`~imgworker.batch.context.RenderContext` (one renderer reused by
every job); records and events are built by :class:`~imgworker.batch.outcome.Recorder`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from imgworker.batch.context import RenderContext
from imgworker.batch.jobs import Job, RenditionJob, rendition_id
from imgworker.batch.ledger import Ledger
from imgworker.batch.outcome import Attempt, JobOutcome, Recorder
from imgworker.batch.transfer import JobError, deliver_to, download
from imgworker.storage import StoreError
from imgworker.worker.fetch import FetchError
from imgworker.worker.imgix_worker import StagedSource, render_rendition, rendition_params, stage

__all__ = ["Attempt", "JobOutcome", "RenderContext", "process_job"]


def _stage(run: Recorder, work: Path) -> StagedSource:
    source = run.job.source
    name = Path(unquote(urlsplit(source).path) if "://" in source else source).name or "source"
    local = work / f"source{Path(name).suffix.lower()}"
    start = time.perf_counter()
    download(run.ctx.client, source, local)
    try:
        staged = stage(run.ctx.store, str(local), name)
    except FetchError as exc:
        raise JobError.from_fetch(exc) from None
    except StoreError as exc:  # a missing container or denied access is permanent, a network error is not
        raise JobError.from_store(exc, "cannot stage the source") from None
    run.download_ms = (time.perf_counter() - start) * 1000
    run.source_sha256, run.source_bytes = staged.sha256, staged.size
    return staged


def _render_one(run: Recorder, staged: StagedSource, r: RenditionJob, rid: str, work: Path) -> None:
    ctx = run.ctx
    start = time.perf_counter()
    try:
        params = rendition_params(r.instructions(), check_implemented=ctx.check_implemented)
    except FetchError as exc:
        raise JobError(exc.reason, exc.message) from None
    try:
        result = render_rendition(ctx.client, ctx.base_url, ctx.token, staged, params, str(work / rid))
    except FetchError as exc:
        raise JobError.from_fetch(exc) from None
    data = Path(result.path).read_bytes()
    rendered = time.perf_counter()
    deliver_to(ctx.client, result.path, r.target, result.content_type)
    Path(result.path).unlink(missing_ok=True)
    run.created(r, rid, data, (rendered - start) * 1000, (time.perf_counter() - rendered) * 1000)


def process_job(
    job: Job,
    ctx: RenderContext,
    ledger: Ledger,
    attempt: Attempt | None = None,
    *,
    stop_on: tuple[type[BaseException], ...] = (),
) -> JobOutcome:
    """Run ``job`` once (see the module doc); never raises for a rendition's failure.

    Args:
        attempt: which delivery this is (default: the first and final one, local scope).
        stop_on: exceptions that end the job at once (Celery's soft time limit): the current and
            every remaining rendition is recorded as failed (``GenericError``, time limit).
    """
    attempt = attempt or Attempt()
    run = Recorder(job, ctx, ledger, attempt)
    work = Path(tempfile.mkdtemp(prefix="imgworker-batch-"))
    try:
        try:
            staged = _stage(run, work)
        except JobError as exc:
            for r in job.renditions:
                rid = rendition_id("source:" + job.source, job.profile, r)
                (run.transient if exc.transient else run.fail)(r, rid, exc, 0.0)
            return run.outcome
        source_error: JobError | None = JobError("GenericError", attempt.abort) if attempt.abort else None
        for r in job.renditions:
            rid = rendition_id(staged.sha256, job.profile, r)
            stored = ledger.done(rid)
            if stored is not None:
                run.replay(rid, stored)
                continue
            if source_error is not None:
                run.fail(r, rid, source_error)
                continue
            start = time.perf_counter()
            try:
                _render_one(run, staged, r, rid, work)
            except JobError as exc:
                ms = (time.perf_counter() - start) * 1000
                (run.transient if exc.transient else run.fail)(r, rid, exc, ms)
                source_error = exc if exc.source_level else None
            except stop_on as exc:
                source_error = JobError("GenericError", f"time limit exceeded ({type(exc).__name__})")
                run.fail(r, rid, source_error, (time.perf_counter() - start) * 1000)
            except Exception as exc:  # a bug must fail one rendition, not the batch
                error = JobError("GenericError", f"unexpected error: {type(exc).__name__}: {exc}")
                run.fail(r, rid, error, (time.perf_counter() - start) * 1000)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run.outcome
