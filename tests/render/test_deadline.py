"""deadline.py: the per-request budget held in a context variable."""

from __future__ import annotations

import time

import pytest

from imgworker.render import deadline
from imgworker.render.errors import RenderTimeout


def test_no_budget_never_expires() -> None:
    with deadline.deadline(None):
        assert deadline.expires_at() is None and not deadline.expired()
        deadline.check()
    with deadline.deadline(0):
        assert deadline.expires_at() is None


def test_budget_expires_and_is_reset_afterwards() -> None:
    with deadline.deadline(0.05):
        assert not deadline.expired()
        time.sleep(0.06)
        assert deadline.expired()
        with pytest.raises(RenderTimeout, match=r"0\.05 s") as info:
            deadline.check()
        assert info.value.status == 503
    assert deadline.expires_at() is None


def test_afford_refuses_work_that_cannot_finish() -> None:
    deadline.afford(1e9, "anything")  # no budget: everything is affordable
    with deadline.deadline(10):
        deadline.afford(1.0, "a quick encode")
        remaining = deadline.remaining()
        assert remaining is not None and 9 < remaining <= 10
        with pytest.raises(RenderTimeout, match=r"a slow encode would take about 20\.0 s") as info:
            deadline.afford(20.0, "a slow encode")
        assert "not started" in str(info.value) and info.value.status == 503
