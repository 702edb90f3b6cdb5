"""``imgworker render-server``: the embedded imgix-compatible renderer as a standalone server.

    imgworker render-server [--root DIR] [--host 127.0.0.1] [--port 8080] [--token TOKEN | --insecure]

Serves ``GET /{path}?{imgix params}&s={signature}`` from the local staging folder (the same code the
``run`` command starts in-process). The secure token comes from ``--token`` or
``IMGIX_SECURE_TOKEN``; without either the server refuses to start unless ``--insecure``.
"""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from imgworker.render.server import RendererConfig, create_app
from imgworker.render.sources import Origin
from imgworker.storage import open_store
from imgworker.worker.config import WorkerConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("render-server", help="serve the imgix-compatible renderer over HTTP",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--root", help="source store (folder or store URL); default IMGWORKER_STAGING_STORE")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--token", help="secure URL token (default IMGIX_SECURE_TOKEN)")
    p.add_argument("--insecure", action="store_true", help="serve unsigned URLs (no token)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    config = WorkerConfig.from_env()
    token = args.token or config.secure_token or os.environ.get("IMGIX_SECURE_TOKEN")
    if not token and not args.insecure:
        print("imgworker render-server: set IMGIX_SECURE_TOKEN or --token (or --insecure)", file=sys.stderr)
        return 2
    origin = Origin(open_store(args.root or config.staging_store))
    app = create_app(RendererConfig(origin=origin, token=token or None))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
