"""imgworker.config.endpoints: which IMGIX_DOMAIN values are the real imgix service."""

from __future__ import annotations

import pytest

from imgworker.config import is_imgix_domain


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("my-source.imgix.net", True),
        ("https://my-source.imgix.net/", True),
        ("MY.IMGIX.NET", True),
        ("127.0.0.1:8080", False),
        ("localhost", False),
        ("imgix.net", False),
        ("a.b.imgix.net", False),
        ("evil.imgix.net.example.com", False),
        ("-bad.imgix.net", False),
        ("", False),
        (None, False),
    ],
)
def test_is_imgix_domain(domain: str | None, expected: bool) -> None:
    assert is_imgix_domain(domain) is expected
