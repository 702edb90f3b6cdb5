"""Shared test configuration.

Fixture plugins live in ``tests/plugins/*.py`` (one per area: services such as Azurite, Redis and
moto, the local renderer, the recorder); every module there is loaded automatically.
Tests talk only to 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

pytest_plugins = sorted(
    f"plugins.{p.stem}" for p in (Path(__file__).parent / "plugins").glob("*.py") if p.stem != "__init__"
)


def pytest_configure(config: object) -> None:
    """Stage sources in a temporary folder, never in the checkout's ``.imgworker/staging``."""
    import os
    import tempfile

    if "IMGWORKER_STAGING_STORE" not in os.environ:
        os.environ["IMGWORKER_STAGING_STORE"] = tempfile.mkdtemp(prefix="imgworker-test-staging-")
        os.environ["IMGWORKER_TEST_STAGING_CREATED"] = "1"


def pytest_unconfigure(config: object) -> None:
    import os
    import shutil

    if os.environ.pop("IMGWORKER_TEST_STAGING_CREATED", None):
        shutil.rmtree(os.environ.pop("IMGWORKER_STAGING_STORE", ""), ignore_errors=True)
