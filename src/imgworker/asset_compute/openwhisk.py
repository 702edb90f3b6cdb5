"""An Apache OpenWhisk action proxy for Python actions: ``POST /init`` and ``POST /run`` on 127.0.0.1.

A project-owned stand-in for the ``python:3.11`` runtime's actionloop proxy (apache/openwhisk
``docs/actions-new.md``; openwhisk-runtime-python ``launcher.py``; spec runtime-and-scale 1.3), so a
worker action zip can be exercised without OpenWhisk or Docker (``imgworker openwhisk-proxy``).

``POST /init`` body ``{"value": {"name", "main" (default "main"), "code", "binary", "env"}}``:

* ``binary: true``: ``code`` is a base64 zip with ``__main__.py`` at its root and optionally
  ``virtualenv/bin/activate_this.py`` (executed first, as the launcher does); else ``code`` is the source
  of ``__main__.py``. ``env`` values are exported before the code loads.
* 200 ``{"ok": true}``; 403 on a second init or without code; 502 ``{"error"}`` when loading fails.

``POST /run`` body ``{"value": {...params}, "action_name", "activation_id", "deadline", "api_key",
"namespace", ...}``: every top-level key but ``value`` is exported as ``__OW_<KEY>`` (the invoker sends
them as strings; other JSON values are exported as their JSON text), then ``main(value)`` runs on a worker
thread, one activation at a time.

* 200 with the result (a dict or a list); 200 ``{"error": "<message>"}`` when ``main`` raises (traceback
  on stderr); 502 when the result is not a dict or list; 500 ``{"error": "no action defined yet"}``
  before init. The marker ``XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX`` ends each activation's stdout and
  stderr.

The action's code is unpacked into ``ow-action-*`` under ``work_root`` (default: the system temporary
folder). A failed init removes its folder at once; the loaded action's folder is removed by
:meth:`ActionProxy.close`, which the app's lifespan calls on shutdown (uvicorn runs it on SIGINT and
SIGTERM). The real runtime needs no such step: its container is thrown away.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import traceback
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MARKER = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"


class ActionProxy:
    """Holds the initialised action; :meth:`init` and :meth:`run` return ``(status, json body)``.

    ``code_dir`` is the loaded action's folder (``<work_root>/ow-action-*``) until :meth:`close`.
    """

    def __init__(self, work_root: Path | None = None) -> None:
        self.main: Callable[[dict[str, Any]], Any] | None = None
        self.work_root = work_root
        self.code_dir: Path | None = None
        self.lock = asyncio.Lock()

    def init(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Load the action from an ``/init`` body."""
        if self.main is not None:
            return 403, {"error": "Cannot initialize the action more than once."}
        value = body.get("value") if isinstance(body.get("value"), dict) else {}
        assert isinstance(value, dict)
        code = value.get("code")
        if not isinstance(code, str) or not code:
            return 403, {"error": "Missing main/no code to execute."}
        for key, item in (value.get("env") or {}).items():
            os.environ[str(key)] = item if isinstance(item, str) else json.dumps(item)
        try:
            self.main = self._load(code, bool(value.get("binary")), str(value.get("main") or "main"))
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            return 502, {"error": f"Initialization has failed due to: {exc}"}
        return 200, {"ok": True}

    def close(self) -> None:
        """Remove the action's folder and its ``sys.path`` entry; idempotent. Call it when the proxy
        stops: the loaded ``main`` may fail afterwards if it still imports from that folder."""
        root, self.code_dir = self.code_dir, None
        if root is not None:
            _remove(root)

    def _load(self, code: str, binary: bool, entry: str) -> Callable[[dict[str, Any]], Any]:
        root = Path(tempfile.mkdtemp(prefix="ow-action-", dir=self.work_root))
        try:
            fn = self._load_into(root, code, binary, entry)
        except BaseException:
            _remove(root)
            raise
        self.code_dir = root
        return fn

    @staticmethod
    def _load_into(root: Path, code: str, binary: bool, entry: str) -> Callable[[dict[str, Any]], Any]:
        if binary:
            with zipfile.ZipFile(io.BytesIO(base64.b64decode(code))) as archive:
                archive.extractall(root)
        else:
            (root / "__main__.py").write_text(code, encoding="utf-8")
        main_py = root / "__main__.py"
        if not main_py.is_file():
            raise FileNotFoundError("the action has no __main__.py at its root")
        activate = root / "virtualenv" / "bin" / "activate_this.py"
        if activate.is_file():
            exec(compile(activate.read_text(), str(activate), "exec"), {"__file__": str(activate)})
        sys.path.insert(0, str(root))
        spec = importlib.util.spec_from_file_location(f"ow_action_{uuid.uuid4().hex}", main_py)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {main_py}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        fn = getattr(module, entry, None)
        if not callable(fn):
            raise AttributeError(f"the action has no callable `{entry}`")
        return fn  # type: ignore[no-any-return]

    async def run(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Run one activation from a ``/run`` body."""
        main = self.main
        if main is None:
            return 500, {"error": "no action defined yet"}
        async with self.lock:
            for key, item in body.items():
                if key != "value":
                    os.environ[f"__OW_{key.upper()}"] = item if isinstance(item, str) else json.dumps(item)
            raw = body.get("value")
            value: dict[str, Any] = raw if isinstance(raw, dict) else {}
            try:
                result = await run_in_threadpool(main, value)
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                result = {"error": str(exc) or type(exc).__name__}
            finally:
                for stream in (sys.stdout, sys.stderr):
                    stream.write(MARKER + "\n")
                    stream.flush()
        if not isinstance(result, dict | list):
            return 502, {"error": "The action did not return a dictionary or array."}
        return 200, result


def create_proxy_app(work_root: Path | None = None) -> Starlette:
    """The proxy as an ASGI app; ``app.state.proxy`` is its :class:`ActionProxy`, closed on shutdown."""
    proxy = ActionProxy(work_root)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            proxy.close()

    async def init(request: Request) -> JSONResponse:
        status, payload = proxy.init(await _body(request))
        return JSONResponse(payload, status_code=status)

    async def run(request: Request) -> JSONResponse:
        status, payload = await proxy.run(await _body(request))
        return JSONResponse(payload, status_code=status)

    routes = [Route("/init", init, methods=["POST"]), Route("/run", run, methods=["POST"])]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.proxy = proxy
    return app


def _remove(root: Path) -> None:
    with contextlib.suppress(ValueError):
        sys.path.remove(str(root))
    shutil.rmtree(root, ignore_errors=True)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
