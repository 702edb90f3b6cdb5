"""One activation: prepare (download), process (callback), upload, events, deadline, cleanup.

Follows asset-compute-sdk ``lib/worker.js`` (spec sections 1.5, 1.6, 3-7). Lifecycle::

    work/<activationId>/{in,out} created (an old tree is removed first)
    activation_start metric
    prepare:   download the source (a failure fails every rendition with its real reason and message,
               then the activation raises it)
    process:   worker(): callback per rendition, in order; each is checked, uploaded (or embedded), and
               gets its rendition_created/rendition_failed event before the next starts.
               batch_worker(): one callback for all, then per rendition as above.
    deadline:  at __OW_DEADLINE - 15 s, every rendition without an event gets rendition_failed
               ("Processing timed out ...", with ``duration``); processing is cancelled
    cleanup:   the work tree is removed (also after a timeout, and again when a late callback finishes)

Result: ``{"requestId", "renditionErrors"?}``; ``renditionErrors`` holds one JSON error per failed rendition.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from typing import TYPE_CHECKING, Any

import httpx

from imgworker.asset_compute.callbacks import invoke
from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig
from imgworker.asset_compute.delivery import deliver
from imgworker.asset_compute.download import download
from imgworker.asset_compute.errors import AssetComputeError, GenericError, error_to_dict
from imgworker.asset_compute.events import (
    RENDITION_CREATED,
    RENDITION_FAILED,
    EventEmitter,
    created_payload,
    failed_payload,
    select_sender,
)
from imgworker.asset_compute.metrics import EVENT_FAILURES, ActivationMetrics
from imgworker.asset_compute.params import ValidatedRequest
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.senders import EventSender
from imgworker.asset_compute.source import Source, make_source

if TYPE_CHECKING:
    from imgworker.asset_compute.worker import AssetComputeWorker

log = get_logger(__name__)


class Activation:
    """State of one run of an :class:`~imgworker.asset_compute.worker.AssetComputeWorker`."""

    def __init__(
        self,
        owner: AssetComputeWorker,
        request: ValidatedRequest,
        context: ActivationContext,
        config: AssetComputeConfig,
        client: httpx.AsyncClient,
        sender: EventSender | None = None,
    ) -> None:
        self.owner, self.request, self.context, self.config, self.client = owner, request, context, config, client
        self.action = context.short_name
        self.work_dir = config.work_base / context.activation_id
        self.in_dir, self.out_dir = self.work_dir / "in", self.work_dir / "out"
        self.params = request.params
        self.metrics = ActivationMetrics(context, request.request_id)
        self.params["metrics"] = self.metrics
        self.renditions = [
            Rendition(instr, self.out_dir, i, url_alias=request.url_alias[i])
            for i, instr in enumerate(request.instructions)
        ]
        self.errors: list[BaseException] = []
        self.closed = False
        self.started = time.monotonic()
        model = request.model
        self.emitter = EventEmitter(
            sender or select_sender(config, model.auth, model.hmacPrivateKey, client),
            request_id=model.requestId,
            source=model.source.url if model.source else None,
            user_data=model.userData,
            activation_ids=[context.activation_id] if model.customWorker else None,
            on_failure=lambda sender, _exc: EVENT_FAILURES.labels(sender).inc(),
        )

    async def execute(self) -> dict[str, Any]:
        """Run to the end; returns the result or raises the fatal (prepare) error."""
        outcome = "ok"
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.in_dir.mkdir(parents=True)
        self.out_dir.mkdir(parents=True)
        source = self.request.source
        self.metrics.start(len(self.renditions), source.size if source else None, source.mimetype if source else None)
        task = asyncio.ensure_future(self._process())
        try:
            left = self.context.time_left()
            if left is None or self.config.disable_timeout_events:
                await task
            else:
                await asyncio.wait({task}, timeout=max(0.0, left - self.config.timeout_buffer))
                if task.done():
                    task.result()
                else:
                    outcome = "timeout"
                    await self._on_timeout(task)
        except asyncio.CancelledError:
            outcome = "cancelled"  # the caller stopped (service shutdown): no rendition is left without event
            await self._stop(task)
            await self._fail_unfinished("Processing was cancelled before the rendition was finished.", None)
            raise
        except BaseException:
            outcome = "failed"
            raise
        finally:
            await self._stop(task)
            await self.emitter.drain()
            self._cleanup()
            self.metrics.finish(outcome)
        return self.result()

    def result(self) -> dict[str, Any]:
        """``{"requestId", "renditionErrors"?}``."""
        out: dict[str, Any] = {"requestId": self.request.request_id}
        if self.errors:
            out["renditionErrors"] = [error_to_dict(e) for e in self.errors]
        return out

    async def _process(self) -> None:
        try:
            source = await self._prepare()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            fatal = exc if isinstance(exc, AssetComputeError) else GenericError(str(exc), f"{self.action}_download")
            self.metrics.error(fatal, f"{self.action}_download")
            for rendition in self.renditions:
                await self._fail(rendition, fatal, count_metric=False)
            fatal.request_id = self.request.request_id  # type: ignore[attr-defined]
            fatal.rendition_errors = [error_to_dict(e) for e in self.errors]  # type: ignore[attr-defined]
            raise fatal from None
        if self.owner.batch:
            await self._batch(source)
        else:
            for rendition in self.renditions:
                await self._one(source, rendition)

    async def _prepare(self) -> Source | None:
        spec = self.request.source
        if spec is None:
            return None
        source = make_source(spec, self.in_dir, test_mode=self.config.test_mode)
        if not self.owner.options.disable_source_download:
            t0 = time.monotonic()
            await download(source, self.client, self.config, self.action)
            self.metrics.download(time.monotonic() - t0, source.size or 0)
        return source

    def _after_callback(self) -> None:
        if self.closed:  # a late callback finished after a timeout: remove what it wrote
            shutil.rmtree(self.work_dir, ignore_errors=True)

    async def _one(self, source: Source | None, rendition: Rendition) -> None:
        t0 = time.monotonic()
        try:
            await invoke(self.owner.callback, source, rendition, self.params, after=self._after_callback)
            processing = time.monotonic() - t0
            self._check_exists(rendition, f"{self.action}_process_norendition")
            await self._deliver(rendition, processing, t0)
        except Exception as err:
            await self._fail(rendition, err)

    async def _batch(self, source: Source | None) -> None:
        t0 = time.monotonic()
        try:
            await invoke(
                self.owner.callback,
                source,
                list(self.renditions),
                self.out_dir,
                self.params,
                after=self._after_callback,
            )
        except Exception as err:
            self.metrics.error(err, f"{self.action}_batchProcess", None)
            for rendition in self.renditions:
                await self._fail(rendition, err, count_metric=False)
            return
        processing = time.monotonic() - t0
        for rendition in self.renditions:
            try:
                self._check_exists(rendition, f"{self.action}_batchProcess_norendition")
                await self._deliver(rendition, processing, time.monotonic())
            except Exception as err:
                await self._fail(rendition, err)

    def _check_exists(self, rendition: Rendition, location: str) -> None:
        if not self.owner.options.disable_rendition_upload and not rendition.exists():
            raise GenericError(f"No rendition generated for {rendition.id()}", location)

    async def _deliver(self, rendition: Rendition, processing: float, t0: float) -> None:
        disable = self.owner.options.disable_rendition_upload
        data, upload_time = await deliver(rendition, self.client, self.config, self.action, disable_upload=disable)
        metadata = rendition.metadata() if rendition.exists() else {}
        await self.emitter.emit(rendition, RENDITION_CREATED, created_payload(rendition, metadata, data))
        durations = {
            "processingDuration": round(processing, 6),
            "uploadDuration": round(upload_time, 6),
            "renditionDuration": round(time.monotonic() - t0, 6),
        }
        self.metrics.rendition(rendition.instructions, rendition.name, durations, rendition.size() or 0)

    async def _fail(self, rendition: Rendition, err: BaseException, *, count_metric: bool = True) -> None:
        if rendition.event_sent:
            return
        log.warning("rendition %s (%s) failed: %s", rendition.index, rendition.id(), err)
        if count_metric:
            self.metrics.error(err, f"{self.action}_process", rendition.name)
        self.errors.append(err)
        await self.emitter.emit(rendition, RENDITION_FAILED, failed_payload(rendition, err))

    async def _on_timeout(self, task: asyncio.Future[None]) -> None:
        duration = time.monotonic() - self.started
        log.error("activation is about to time out; sending rendition_failed for unfinished renditions")
        self.metrics.timeout()
        await self._stop(task)
        await self._fail_unfinished(
            "Processing timed out for rendition fmt='{fmt}' without result after {duration:.3f} seconds.", duration
        )

    @staticmethod
    async def _stop(task: asyncio.Future[None]) -> None:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _fail_unfinished(self, template: str, duration: float | None) -> None:
        """``rendition_failed`` for every rendition without an event; ``template`` may use {fmt}, {duration}."""
        await self.emitter.drain()
        for rendition in self.renditions:
            if rendition.event_sent:
                continue
            message = template.format(fmt=rendition.fmt, duration=duration or 0.0)
            err = GenericError(message, f"{self.action}_{'timeout' if duration is not None else 'cancelled'}")
            self.errors.append(err)
            rounded = None if duration is None else round(duration, 6)
            await self.emitter.emit(rendition, RENDITION_FAILED, failed_payload(rendition, err, rounded))

    def _cleanup(self) -> None:
        self.closed = True
        shutil.rmtree(self.work_dir, ignore_errors=True)
        if self.work_dir.exists():
            log.error("could not remove work directory %s", self.work_dir)
