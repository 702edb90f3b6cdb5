"""The Asset Compute worker SDK: a Python port of @adobe/asset-compute-sdk and its companions
(asset-compute-commons, asset-compute-pipeline, node-httptransfer).

Public API::

    worker(callback, options=None, *, config=None) -> AssetComputeWorker
    batch_worker(callback, options=None, *, config=None) -> AssetComputeWorker
    AssetComputeWorker.run(params, *, context=None, config=None) -> dict       (async)
    AssetComputeWorker(params) -> dict                                         (OpenWhisk main)
    Source, Rendition, WorkerOptions, AssetComputeConfig, ActivationContext
    Reason, GenericError, ClientError, SourceCorruptError, ... , error_from_http_status

Modules: ``params`` (validation), ``download``/``upload``/``delivery`` (transfer), ``events``/``senders``,
``errors``, ``metrics``, ``redact``, ``webaction``/``webservice`` (the web hop), ``openwhisk`` (action
proxy), ``testrunner`` (``imgworker test-worker``). See docs/asset-compute.md.
"""

import logging

from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig
from imgworker.asset_compute.errors import (
    ArgumentError,
    AssetComputeError,
    ClientError,
    GenericError,
    Reason,
    RenditionFormatUnsupportedError,
    RenditionTooLarge,
    SourceCorruptError,
    SourceFormatUnsupportedError,
    SourceUnsupportedError,
    error_from_http_status,
    error_from_reason,
)
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.source import Source
from imgworker.asset_compute.worker import AssetComputeWorker, WorkerOptions, batch_worker, worker

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ActivationContext",
    "ArgumentError",
    "AssetComputeConfig",
    "AssetComputeError",
    "AssetComputeWorker",
    "ClientError",
    "GenericError",
    "Reason",
    "Rendition",
    "RenditionFormatUnsupportedError",
    "RenditionTooLarge",
    "Source",
    "SourceCorruptError",
    "SourceFormatUnsupportedError",
    "SourceUnsupportedError",
    "WorkerOptions",
    "batch_worker",
    "error_from_http_status",
    "error_from_reason",
    "worker",
]
