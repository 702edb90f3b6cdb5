"""imgix secure URLs: the 38 byte-exact vectors of the spec (section 1.4) and the negative cases."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from helpers import fixture
from imgworker.render.params.signing import sign, split_signature, verify


def _vectors() -> list[tuple[str, str, str]]:
    rows = []
    for line in fixture("imgix_signing_vectors.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        number, token, url, _source = line.split("\t")
        rows.append((number, token, url))
    return rows


VECTORS = _vectors()


def _parts(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parts.query


def test_all_38_vectors_are_loaded() -> None:
    assert len(VECTORS) == 38


@pytest.mark.parametrize(("number", "token", "url"), VECTORS, ids=[v[0] for v in VECTORS])
def test_vector_verifies_and_recomputes(number: str, token: str, url: str) -> None:
    path, query = _parts(url)
    assert verify(token, path, query), f"vector {number} did not verify"
    base, sig = split_signature(query)
    assert sig is not None
    assert sign(token, path, base) == sig


@pytest.mark.parametrize(
    ("token", "url"),
    [
        # vector 3 with the parameters reordered but s kept
        ("FOO123bar", "https://my-social-network.imgix.net/users/1.png?h=300&w=400&s=c7b86f666a832434dd38577e38cf86d1"),
        # vector 18 with %2c instead of %2C
        (
            "10adc394",
            "https://demo.imgix.net/images/demo.png?markalign=middle%2ccenter&s=f0d0e28a739f022638f4ba6dddf9b694",
        ),
        # vector 31 with %2B instead of +
        (
            "abcde1234",
            "https://sdk-test.imgix.net/file%2Bwith%20some+crazy%20things.jpg?s=4aadfc1a58f27729a41d05831c52116f",
        ),
        # vector 2 with s removed, and with one hex digit changed
        ("FOO123bar", "https://my-social-network.imgix.net/users/1.png?h=300&w=400"),
        ("FOO123bar", "https://my-social-network.imgix.net/users/1.png?h=300&w=400&s=1a4e48641614d1109c6a7af51be23d19"),
        # s not last
        ("FOO123bar", "https://my-social-network.imgix.net/users/1.png?s=1a4e48641614d1109c6a7af51be23d18&h=300&w=400"),
        # wrong token
        ("FOO123baz", "https://my-social-network.imgix.net/users/1.png?s=6797c24146142d5b40bde3141fd3600c"),
    ],
)
def test_negative_vectors_fail(token: str, url: str) -> None:
    path, query = _parts(url)
    assert not verify(token, path, query)


def test_helper_without_leading_slash_matches_js_core() -> None:
    # js-core's internal _signParams test (spec 1.2): a dev helper, not a URL
    assert sign("MYT0KEN", "images/1.png") == "6d82410f89cc6d80a6aa9888dcf85825"
    assert sign("MYT0KEN", "images/1.png", "w=400") == "990916ef8cc640c58d909833e47f6c31"
