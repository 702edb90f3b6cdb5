"""``imgworker serve``: the worker as a service, with the devtool page and the embedded renderer.

    imgworker serve [--host 127.0.0.1] [--port 8000] [--env-file .env] [--log-level info]

One uvicorn process serves the devtool page (``/``), its JSON API (``/api``), the worker endpoint
(``POST /process``), the renderer (``/render/{path}?{imgix}``), ``/healthz``, ``/readyz`` and
``/metrics``. Logs are JSON lines on stderr with URL query strings and secrets redacted. SIGINT or
SIGTERM stops accepting connections and lets running jobs finish (``IMGWORKER_SHUTDOWN_TIMEOUT``
seconds). Settings come from the environment and ``.env`` (see :mod:`imgworker.devtool.settings`);
the options win over them. Exit code 0 after a clean shutdown, 2 on a settings error.
"""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import replace

import uvicorn

from imgworker.devtool.logs import configure_logging
from imgworker.devtool.settings import LOG_LEVELS, ServiceSettings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the worker, the devtool page and the renderer over HTTP",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--host", help="address to bind (default IMGWORKER_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default IMGWORKER_PORT or 8000)")
    p.add_argument("--env-file", default=".env", help="settings file read before the environment (default .env)")
    p.add_argument("--log-level", choices=LOG_LEVELS, help="default IMGWORKER_LOG_LEVEL or info")
    p.set_defaults(func=main)


def _exit_cleanly(signum: int, frame: object) -> None:
    """uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal: exit 0 instead."""
    raise SystemExit(0)


def main(args: argparse.Namespace) -> int:
    try:
        settings = ServiceSettings.from_env(env_file=args.env_file)
    except ValueError as exc:
        print(f"imgworker serve: {exc}", file=sys.stderr)
        return 2
    settings = replace(
        settings,
        host=args.host or settings.host,
        port=settings.port if args.port is None else args.port,
        log_level=args.log_level or settings.log_level,
    )
    configure_logging(settings.log_level)
    from imgworker.devtool.app import create_app

    try:
        app = create_app(settings)
    except ValueError as exc:
        print(f"imgworker serve: {exc}", file=sys.stderr)
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _exit_cleanly)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        log_level=settings.log_level,
        timeout_graceful_shutdown=int(settings.shutdown_timeout),
        server_header=False,
    )
    return 0
