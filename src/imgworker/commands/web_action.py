"""``imgworker web-action``: serve an Asset Compute worker as its web action, in-process.

    imgworker web-action [--worker module:attr] [--host 127.0.0.1] [--port 8080] [--action-name NAME]

``POST /`` (or ``/api/v1/web/<ns>/<pkg>/<action>``) with ``Authorization: Bearer <IMS token>``,
``x-gw-ims-org-id`` and ``x-request-id`` answers ``{"activationId"}`` at once and processes the request
in the background; ``GET /activations/<id>`` shows its result and ``GET /metrics`` the Prometheus
metrics (see :mod:`imgworker.asset_compute.webservice`). Logs are JSON lines on stderr, redacted.
Exit code 0 after a clean shutdown, 3 when the worker cannot be loaded.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import uvicorn

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.redact import configure_logging
from imgworker.asset_compute.webservice import create_app
from imgworker.asset_compute.worker import load_worker


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "web-action",
        help="serve an Asset Compute worker as its web action",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-w", "--worker", help="worker as module:attr (default IMGWORKER_ASSET_COMPUTE_WORKER)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--action-name", default="worker", help="action name used in errors and metrics")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    config = AssetComputeConfig.from_env()
    try:
        worker = load_worker(args.worker or config.worker_ref)
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        print(f"imgworker web-action: cannot load the worker: {exc}", file=sys.stderr)
        return 3
    configure_logging(logging.INFO)
    app = create_app(worker, config, action_name=args.action_name)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
