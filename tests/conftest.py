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
