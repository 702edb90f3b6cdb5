"""``imgworker openwhisk-proxy``: an Apache OpenWhisk Python action proxy (``/init``, ``/run``).

    imgworker openwhisk-proxy [--host 127.0.0.1] [--port 8080]

Runs a worker action zip (built by ``scripts/build-openwhisk-action.py``) the way the ``python:3.11``
runtime does, without Docker: ``POST /init`` with ``{"value": {"code": <base64 zip>, "binary": true}}``,
then ``POST /run`` with ``{"value": params, "activation_id", "deadline", ...}`` (see
:mod:`imgworker.asset_compute.openwhisk`). The action is unpacked into an ``ow-action-*`` folder in the
system temporary folder (``TMPDIR``), removed when the proxy stops (Ctrl-C or SIGTERM). Exit code 0
after a clean shutdown; after SIGTERM uvicorn re-raises the signal once it has shut down, so the
process ends by that signal.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from imgworker.asset_compute.openwhisk import create_proxy_app


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "openwhisk-proxy",
        help="run an OpenWhisk Python action proxy (/init, /run)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    app = create_proxy_app()
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:  # the lifespan shutdown has removed it already, unless uvicorn never got that far
        app.state.proxy.close()
    return 0
