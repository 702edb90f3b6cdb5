"""The imgix custom worker as an Asset Compute action (the Adobe tutorial's ``worker-imgix``).

Built on :func:`imgworker.asset_compute.worker`: the SDK downloads the source, validates the request,
uploads every rendition to its target (single PUT or AEM multipart) and sends the events; the
callback only makes the rendition file::

    def imgix_rendition(source, rendition, params):
        stage source -> sign the imgix URL of rendition.instructions["imgix"] -> fetch -> rendition.path

``main`` is the OpenWhisk ``main(args)`` entry (web action hop included) and the default worker of
``imgworker web-action`` / ``openwhisk-proxy`` / ``serve`` (``IMGWORKER_ASSET_COMPUTE_WORKER``).
The process keeps one :class:`~imgworker.worker.session.ImgixSession` (settings from the environment,
:mod:`imgworker.worker.config`), so a warm container reuses its renderer and connections.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from imgworker.asset_compute import worker
from imgworker.asset_compute.errors import SourceUnsupportedError, error_from_reason
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.source import Source
from imgworker.worker.config import WorkerConfig
from imgworker.worker.fetch import FetchError
from imgworker.worker.session import ImgixSession

_lock = threading.Lock()
_session: ImgixSession | None = None


def shared_session() -> ImgixSession:
    """The process-wide session (created on first use from the environment, closed at exit)."""
    global _session
    with _lock:
        if _session is None:
            _session = ImgixSession(WorkerConfig.from_env())
            atexit.register(_session.close)
        return _session


def render_with(session: ImgixSession, source: Source | None, rendition: Rendition) -> None:
    """Make one rendition file with ``session``; failures become the SDK's error classes
    (``SourceCorruptError``, ``SourceFormatUnsupportedError``, ... by ``errorReason``)."""
    if source is None:
        raise SourceUnsupportedError("the imgix worker needs a source (the request has none)")
    try:
        session.render(source.path, source.name, dict(rendition.instructions), rendition.path)
    except FetchError as exc:
        raise error_from_reason(exc.reason, exc.message) from None


def imgix_rendition(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
    """The rendition callback (``source``, ``rendition``, ``params`` as the Asset Compute SDK).

    The SDK calls it once per rendition, in order; after the request's last rendition (made or
    failed) the job is over for the shared session (staging retention ``0`` deletes the copy then).
    """
    session = shared_session()
    try:
        render_with(session, source, rendition)
    finally:
        renditions = params.get("renditions")
        if not isinstance(renditions, list) or rendition.index >= len(renditions) - 1:
            session.finish_job()


main = worker(imgix_rendition)
