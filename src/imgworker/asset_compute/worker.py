"""The public entry points: :func:`worker` and :func:`batch_worker` (asset-compute-sdk ``lib/api.js``).

A custom worker is one callback that writes the rendition file::

    from imgworker.asset_compute import worker, SourceCorruptError

    def render(source, rendition, params):           # may also be ``async def``
        if source.size == 0:
            raise SourceCorruptError("empty source")
        rendition.path.write_bytes(make(source.path, rendition.instructions))

    main = worker(render)          # OpenWhisk python:3.11 entry: main(args) -> dict
    result = main(params)          # or: await main.run(params) inside an event loop

The returned :class:`AssetComputeWorker` is the OpenWhisk ``main``: called with web-action arguments
(``__ow_method``) it authenticates and re-invokes itself asynchronously (:mod:`.webaction`); with
``__checkAction`` it answers ``{"ok": true, "checkAction": true}``; otherwise it processes the request.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from imgworker.asset_compute.activation import Activation
from imgworker.asset_compute.callbacks import BatchCallback, RenditionCallback
from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig
from imgworker.asset_compute.errors import AssetComputeError, error_to_dict
from imgworker.asset_compute.metrics import ActivationMetrics
from imgworker.asset_compute.params import validate_params
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.senders import EventSender
from imgworker.asset_compute.transport import make_client

log = get_logger(__name__)
_OPTION_NAMES = {
    "disableSourceDownload": "disable_source_download",
    "disableRenditionUpload": "disable_rendition_upload",
}


@dataclass(frozen=True)
class WorkerOptions:
    """Worker options (sdk README "Worker Options").

    * ``disable_source_download``: do not fetch the source; ``source.path`` is set but absent.
    * ``disable_rendition_upload``: do not upload; the callback's file need not exist; success events
      are still sent.
    """

    disable_source_download: bool = False
    disable_rendition_upload: bool = False

    @classmethod
    def coerce(cls, value: WorkerOptions | Mapping[str, Any] | None) -> WorkerOptions:
        """From an instance, ``None``, or a mapping with snake_case or the SDK's camelCase keys.

        Raises ``ValueError`` for an unknown key (``supportedRenditionFormats`` included: there is no
        SDK post-processing in this port, so no format rewrite)."""
        if value is None:
            return cls()
        if isinstance(value, WorkerOptions):
            return value
        kwargs: dict[str, bool] = {}
        for key, item in value.items():
            name = _OPTION_NAMES.get(key, key)
            if name not in ("disable_source_download", "disable_rendition_upload"):
                raise ValueError(f"Unknown worker option `{key}`")
            kwargs[name] = bool(item)
        return cls(**kwargs)


class AssetComputeWorker:
    """A worker: ``callback`` plus ``options``. ``batch`` selects the batch callback signature.

    ``config`` (default: :meth:`AssetComputeConfig.from_env` at each run) and the activation ``context``
    (default: from ``__OW_*``) may be given per run.
    """

    def __init__(
        self,
        callback: RenditionCallback | BatchCallback,
        options: WorkerOptions | Mapping[str, Any] | None = None,
        *,
        batch: bool = False,
        config: AssetComputeConfig | None = None,
    ) -> None:
        if not callable(callback):
            raise TypeError("Expected a callable for `callback`")
        self.callback: Callable[..., Any] = callback
        self.options = WorkerOptions.coerce(options)
        self.batch = batch
        self.config = config

    async def run(
        self,
        params: Mapping[str, Any],
        *,
        context: ActivationContext | None = None,
        config: AssetComputeConfig | None = None,
        sender: EventSender | None = None,
    ) -> dict[str, Any]:
        """Process one request; returns ``{"requestId", "renditionErrors"?}``.

        ``sender`` replaces the event transport chosen from the configuration (e.g. an in-memory sink
        for local runs).

        Raises the validation errors of :func:`~imgworker.asset_compute.params.validate_params` (before any
        event; counted as a failed activation in the metrics) and the prepare (download) error (after every
        rendition got ``rendition_failed``).
        """
        if params.get("__checkAction"):
            return {"ok": True, "checkAction": True}
        cfg = config or self.config or AssetComputeConfig.from_env()
        ctx = context or ActivationContext.from_env()
        try:
            request = validate_params(dict(params), cfg, ctx.short_name)
        except Exception as err:
            request_id = params.get("requestId")
            metrics = ActivationMetrics(ctx, request_id if isinstance(request_id, str) else None)
            metrics.rejected(err, f"{ctx.short_name}_validate")
            raise
        async with make_client(cfg) as client:
            return await Activation(self, request, ctx, cfg, client, sender).execute()

    def run_sync(
        self,
        params: Mapping[str, Any],
        *,
        context: ActivationContext | None = None,
        config: AssetComputeConfig | None = None,
        sender: EventSender | None = None,
    ) -> dict[str, Any]:
        """:meth:`run` in a fresh event loop (must not be called from a running loop)."""
        return asyncio.run(self.run(params, context=context, config=config, sender=sender))

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        """OpenWhisk ``main(args)``. Fatal errors become ``{"error": {name, reason?, location?, message,
        requestId, renditionErrors}}`` (what the Node runtime returns for a rejected promise)."""
        if "__ow_method" in params:
            from imgworker.asset_compute.webaction import openwhisk_web_action

            return openwhisk_web_action(params, self.config or AssetComputeConfig.from_env())
        try:
            return self.run_sync(params)
        except AssetComputeError as err:
            log.error("activation failed: %s", err)
            out = error_to_dict(err)
            out["requestId"] = getattr(err, "request_id", params.get("requestId"))
            out["renditionErrors"] = getattr(err, "rendition_errors", [])
            return {"error": out}


def worker(
    rendition_callback: RenditionCallback,
    options: WorkerOptions | Mapping[str, Any] | None = None,
    *,
    config: AssetComputeConfig | None = None,
) -> AssetComputeWorker:
    """A worker calling ``rendition_callback(source, rendition, params)`` once per rendition, in order."""
    return AssetComputeWorker(rendition_callback, options, config=config)


def batch_worker(
    batch_callback: BatchCallback,
    options: WorkerOptions | Mapping[str, Any] | None = None,
    *,
    config: AssetComputeConfig | None = None,
) -> AssetComputeWorker:
    """A worker calling ``batch_callback(source, renditions, outdir, params)`` once for all renditions."""
    return AssetComputeWorker(batch_callback, options, batch=True, config=config)


def load_worker(ref: str) -> AssetComputeWorker:
    """The worker named ``"package.module:attribute"``; a plain callback is wrapped with :func:`worker`.

    Raises ``ValueError`` for a malformed reference, ``ImportError``/``AttributeError`` when it does not resolve.
    """
    module_name, sep, attribute = ref.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"Expected 'module:attribute' for the worker but received {ref!r}")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if isinstance(target, AssetComputeWorker):
        return target
    if callable(target):
        return worker(target)
    raise TypeError(f"{ref} is neither an AssetComputeWorker nor a callable")
