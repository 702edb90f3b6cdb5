"""The behaviour every blob store must have; each backend's test module subclasses :class:`StoreContract`.

A subclass provides a ``store`` fixture (a fresh, empty store). Presigned URLs are exercised with a
plain HTTP client (httpx), or plain file I/O for the local store's ``file://`` URLs.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx
import pytest

from imgworker.storage import BlobNotFound, MultipartStore, StoreError

# Field case A19 names (+ a nested key, '?' and an already-encoded-looking name).
A19_NAMES = [
    "plain.jpg",
    "image with spaces.jpg",
    "a+b.jpg",
    "100%.jpg",
    "#1 [x].jpg",
    "Daniel_Müller-Jan.jpg",
    "你好.jpg",
    "йцук.jpg",
    unicodedata.normalize("NFD", "é.jpg"),
    "q?x=1&y.jpg",
    "already%20encoded%2B.jpg",
    "dir/sub dir/ü.jpg",
]


def http_get(url: str) -> httpx.Response:
    """GET ``url``; ``file://`` URLs are read from disk (200 or 404)."""
    if url.startswith("file://"):
        path = Path(unquote(urlparse(url).path))
        if not path.is_file():
            return httpx.Response(404)
        return httpx.Response(200, content=path.read_bytes())
    return httpx.get(url, timeout=30)


def http_put(url: str, data: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """PUT ``data`` to ``url``, using ``url`` byte for byte; ``file://`` URLs are written to disk (201)."""
    if url.startswith("file://"):
        path = Path(unquote(urlparse(url).path))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return httpx.Response(201)
    request = httpx.Request("PUT", url, content=data, headers=headers or {})
    with httpx.Client(timeout=30) as client:
        return client.send(request)


def single_put_headers(store: MultipartStore) -> dict[str, str]:
    """Headers a single-PUT uploader sends (Azure needs ``x-ms-blob-type``: field case A20)."""
    headers = {"content-type": "image/jpeg"}
    if store.url.startswith("azure://"):
        headers["x-ms-blob-type"] = "BlockBlob"
    return headers


class StoreContract:
    """Tests shared by every backend. ``part_size`` is the smallest non-last part the backend accepts."""

    part_size = 1024

    def test_put_get_stat(self, store: MultipartStore) -> None:
        info = store.put("a/b.jpg", b"hello", content_type="image/jpeg")
        assert (info.key, info.size) == ("a/b.jpg", 5)
        assert info.etag
        assert info.last_modified.tzinfo is not None
        assert store.get("a/b.jpg") == b"hello"
        stat = store.stat("a/b.jpg")
        assert (stat.size, stat.etag) == (5, info.etag)
        assert stat.content_type == "image/jpeg"

    def test_put_replaces_and_changes_etag(self, store: MultipartStore) -> None:
        first = store.put("x.bin", b"one")
        second = store.put("x.bin", b"two!")
        assert store.get("x.bin") == b"two!"
        assert second.size == 4
        assert second.etag != first.etag

    def test_put_file_object(self, store: MultipartStore) -> None:
        data = bytes(range(256)) * 1000
        store.put("f.bin", io.BytesIO(data))
        assert store.get("f.bin") == data

    def test_stream_chunks(self, store: MultipartStore) -> None:
        data = bytes(range(256)) * 40
        store.put("s.bin", data)
        chunks = list(store.stream("s.bin", chunk_size=1000))
        assert b"".join(chunks) == data
        assert max(len(c) for c in chunks) <= 1000

    def test_stream_closed_early(self, store: MultipartStore) -> None:
        store.put("e.bin", b"x" * 5000)
        with store.stream("e.bin", chunk_size=1000) as chunks:  # type: ignore[attr-defined]
            assert next(chunks) == b"x" * 1000
        abandoned = store.stream("e.bin", chunk_size=1000)
        assert next(abandoned) == b"x" * 1000
        del abandoned  # released when collected: no ResourceWarning (warnings are errors)
        assert store.get("e.bin") == b"x" * 5000

    def test_missing_blob(self, store: MultipartStore) -> None:
        with pytest.raises(BlobNotFound) as err:
            store.get("nope/missing.jpg")
        assert store.url in str(err.value)
        assert "nope/missing.jpg" in str(err.value)
        with pytest.raises(BlobNotFound):
            store.stat("nope/missing.jpg")
        with pytest.raises(BlobNotFound):
            store.stream("nope/missing.jpg")  # raised on the call, not on the first next()
        assert not store.exists("nope/missing.jpg")

    def test_exists_and_delete(self, store: MultipartStore) -> None:
        store.put("d.txt", b"x")
        assert store.exists("d.txt")
        store.delete("d.txt")
        assert not store.exists("d.txt")
        store.delete("d.txt")  # deleting a missing blob is fine

    def test_list_prefix(self, store: MultipartStore) -> None:
        for key in ("p/1.jpg", "p/2.jpg", "p2/3.jpg", "q.jpg"):
            store.put(key, b"1")
        assert sorted(store.list("p/")) == ["p/1.jpg", "p/2.jpg"]
        assert sorted(store.list("p")) == ["p/1.jpg", "p/2.jpg", "p2/3.jpg"]
        assert sorted(store.list()) == ["p/1.jpg", "p/2.jpg", "p2/3.jpg", "q.jpg"]

    @pytest.mark.parametrize("key", ["", "/abs.jpg", "a//b.jpg", "../up.jpg", "a/./b", "back\\slash", "nul\x00.jpg"])
    def test_invalid_keys(self, store: MultipartStore, key: str) -> None:
        with pytest.raises(ValueError, match="invalid blob key"):
            store.put(key, b"x")
        assert not store.exists(key)

    def test_utf8_names_round_trip(self, store: MultipartStore) -> None:
        """Field case A19: every name survives put/get/list and both presigned URLs, byte for byte."""
        for name in A19_NAMES:
            body = name.encode()
            store.put(name, body)
            assert store.get(name) == body, name
            response = http_get(store.presigned_read_url(name))
            assert (response.status_code, response.content) == (200, body), name
        assert sorted(store.list()) == sorted(A19_NAMES)  # NFD stays NFD: no normalisation
        for name in A19_NAMES:
            target = f"w/{name}"
            response = http_put(store.presigned_write_url(target), b"W" + name.encode(), single_put_headers(store))
            assert response.status_code in (200, 201), (name, response.text)
            assert store.get(target) == b"W" + name.encode(), name

    def _upload_parts(self, store: MultipartStore, key: str, parts: list[bytes], count: int) -> list[str]:
        upload = store.presigned_multipart_upload(key, count, min_part_size=1, max_part_size=1 << 30)
        assert len(upload.urls) == count
        assert upload.as_target() == {"urls": list(upload.urls), "minPartSize": 1, "maxPartSize": 1 << 30}
        for url, part in zip(upload.urls, parts, strict=False):
            response = http_put(url, part)
            assert response.status_code in (200, 201), response.text
        return list(upload.urls)

    def test_multipart_complete(self, store: MultipartStore) -> None:
        key = "mp/Müller 你好 #1.png"
        parts = [b"A" * self.part_size, b"B" * self.part_size, b"C" * 10]
        upload = store.presigned_multipart_upload(key, 5, min_part_size=1, max_part_size=1 << 30)
        for url, part in zip(upload.urls, parts, strict=False):  # 3 of 5 URLs used, like Asset Compute
            assert http_put(url, part).status_code in (200, 201)
        assert not store.exists(key)  # parts are invisible until completed
        assert list(store.list("mp/")) == []
        info = store.complete_multipart_upload(upload, content_type="image/png")
        assert info.size == self.part_size * 2 + 10
        assert store.get(key) == b"".join(parts)
        assert store.stat(key).content_type == "image/png"
        assert store.complete_multipart_upload(upload).etag == info.etag  # idempotent
        assert list(store.list("mp/")) == [key]

    def test_multipart_failed_midway_leaves_nothing(self, store: MultipartStore) -> None:
        key = "mp/failed.jpg"
        upload = store.presigned_multipart_upload(key, 3, min_part_size=1, max_part_size=1 << 30)
        assert http_put(upload.urls[0], b"A" * self.part_size).status_code in (200, 201)
        # ... the worker fails here: no more parts, no completion.
        assert not store.exists(key)
        assert list(store.list()) == []
        store.abort_multipart_upload(upload)
        assert not store.exists(key)
        assert list(store.list()) == []

    def test_multipart_gap_is_not_committed(self, store: MultipartStore) -> None:
        key = "mp/gap.jpg"
        upload = store.presigned_multipart_upload(key, 3, min_part_size=1, max_part_size=1 << 30)
        assert http_put(upload.urls[0], b"A" * self.part_size).status_code in (200, 201)
        assert http_put(upload.urls[2], b"C").status_code in (200, 201)
        with pytest.raises(StoreError, match=r"gap|contiguous"):
            store.complete_multipart_upload(upload)
        assert not store.exists(key)

    def test_multipart_nothing_uploaded(self, store: MultipartStore) -> None:
        upload = store.presigned_multipart_upload("mp/none.jpg", 2)
        with pytest.raises(BlobNotFound, match=r"mp/none\.jpg"):
            store.complete_multipart_upload(upload)
        assert not store.exists("mp/none.jpg")

    def test_multipart_part_count_bounds(self, store: MultipartStore) -> None:
        with pytest.raises(ValueError, match="part_count"):
            store.presigned_multipart_upload("mp/x.jpg", 0)
