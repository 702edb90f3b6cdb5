"""Staging: content-addressed keys, no re-upload, retention; on the local store and on Azurite/moto."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from imgworker.storage import BlobInfo, LocalFolderStore, MultipartStore
from imgworker.storage.azure import AzureBlobStore
from imgworker.storage.s3 import S3Store
from imgworker.storage.staging import (
    RetentionPolicy,
    StagedSource,
    delete_staged,
    is_staged_key,
    purge_staged,
    safe_extension,
    stage,
    staged_key,
)

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
SHA = hashlib.sha256(JPEG).hexdigest()


class CountingStore:
    """Wraps a store and counts put() calls (the uploads)."""

    def __init__(self, inner: MultipartStore) -> None:
        self.inner = inner
        self.url = inner.url
        self.puts = 0

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo:
        self.puts += 1
        return self.inner.put(key, data, content_type=content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(params=["local", "azure", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MultipartStore:
    if request.param == "local":
        return LocalFolderStore(tmp_path / "staging")
    if request.param == "azure":
        azure: AzureBlobStore = request.getfixturevalue("azure_container")
        return azure
    s3: S3Store = request.getfixturevalue("s3_bucket")
    return s3


@pytest.mark.parametrize(
    ("filename", "ext"),
    [
        ("photo.JPG", ".jpg"),
        ("a/b/c.Png", ".png"),
        ("C:\\x\\y.tif", ".tif"),
        ("archive.tar.gz", ".gz"),
        ("no-extension", ""),
        ("weird.jp g", ""),
        ("accent.jpé", ""),
        ("long.abcdefghijk", ""),
        (unicodedata.normalize("NFD", "é.jpg"), ".jpg"),
        ("#1 [x].jpeg", ".jpeg"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_extension(filename: str | None, ext: str) -> None:
    assert safe_extension(filename) == ext


def test_staged_key_shape() -> None:
    assert staged_key(SHA, "Photo 100%.JPG") == f"{SHA}.jpg"
    assert staged_key(SHA, "x", prefix="/staged/") == f"staged/{SHA}"
    assert is_staged_key(f"{SHA}.jpg")
    assert is_staged_key(f"staged/{SHA}.jpg", prefix="staged")
    assert not is_staged_key("photo.jpg")
    assert not is_staged_key(f"{SHA}.jpg", prefix="staged")
    with pytest.raises(ValueError, match="sha256"):
        staged_key("ABC", "x.jpg")


def test_stage_uploads_once_then_reuses(store: MultipartStore) -> None:
    counting = CountingStore(store)
    first = stage(counting, JPEG, filename="Daniel_Müller #1.JPG")
    assert first == StagedSource(f"{SHA}.jpg", SHA, len(JPEG), False, first.etag, "image/jpeg")
    assert store.get(first.key) == JPEG
    assert store.stat(first.key).content_type == "image/jpeg"
    before = store.stat(first.key)
    again = stage(counting, JPEG, filename="other name.jpg")
    assert again.reused is True
    assert again.key == first.key
    assert counting.puts == 1  # no second upload
    after = store.stat(first.key)
    assert (after.etag, after.last_modified) == (before.etag, before.last_modified)


def test_stage_reuploads_when_size_differs(tmp_path: Path) -> None:
    store = CountingStore(LocalFolderStore(tmp_path))
    store.inner.put(f"{SHA}.jpg", b"truncated")
    staged = stage(store, JPEG, filename="a.jpg")
    assert staged.reused is False
    assert store.inner.get(staged.key) == JPEG


def test_stage_reuploads_an_old_copy(tmp_path: Path) -> None:
    store = CountingStore(LocalFolderStore(tmp_path))
    stage(store, JPEG, filename="a.jpg")
    assert stage(store, JPEG, filename="a.jpg", reuse_max_age=timedelta(days=1)).reused is True
    assert stage(store, JPEG, filename="a.jpg", reuse_max_age=timedelta(seconds=-1)).reused is False
    assert store.puts == 2


def test_stage_from_path_and_file_object(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path / "s")
    path = tmp_path / "Source File.PNG"
    path.write_bytes(JPEG)
    by_path = stage(store, path)
    assert by_path.key == f"{SHA}.png"  # the extension comes from the path's name
    f = io.BytesIO(b"prefix" + JPEG)
    f.read(6)
    by_file = stage(store, f, filename="x.jpg")
    assert (by_file.sha256, by_file.size) == (SHA, len(JPEG))
    assert store.get(by_file.key) == JPEG
    assert stage(store, str(path), prefix="p").key == f"p/{SHA}.png"


def test_stage_a19_fixture_names_share_one_key(tmp_path: Path) -> None:
    store = CountingStore(LocalFolderStore(tmp_path))
    names = ["plain.jpg", "image with spaces.jpg", "a+b.jpg", "100%.jpg", "#1 [x].jpg", "你好.jpg"]
    keys = {stage(store, JPEG, filename=n).key for n in names}
    assert keys == {f"{SHA}.jpg"}
    assert store.puts == 1


def test_purge_staged_only_old_staged_copies(store: MultipartStore) -> None:
    old = stage(store, JPEG, filename="a.jpg")
    store.put("keep-me.jpg", b"not staged")
    assert purge_staged(store, 1) == []  # nothing is a day old
    future = datetime.now(UTC) + timedelta(days=2)
    assert purge_staged(store, 1, now=future) == [old.key]
    assert not store.exists(old.key)
    assert store.exists("keep-me.jpg")
    with pytest.raises(ValueError, match="older_than_days"):
        purge_staged(store, -1)


def test_purge_respects_prefix(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    inside = stage(store, JPEG, filename="a.jpg", prefix="staged")
    outside = stage(store, JPEG, filename="a.jpg")
    future = datetime.now(UTC) + timedelta(days=30)
    assert purge_staged(store, 1, prefix="staged", now=future) == [inside.key]
    assert store.exists(outside.key)


def test_retention_policy(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    staged = stage(store, JPEG, filename="a.jpg")
    keep = RetentionPolicy(None)
    assert (keep.delete_after_job, keep.reuse_max_age) == (False, None)
    assert keep.after_job(store, [staged]) == []
    assert keep.purge(store, now=datetime.now(UTC) + timedelta(days=999)) == []
    week = RetentionPolicy(7)
    assert week.reuse_max_age == timedelta(days=3.5)
    assert week.after_job(store, [staged]) == []
    assert week.purge(store) == []
    assert week.purge(store, now=datetime.now(UTC) + timedelta(days=8)) == [staged.key]
    staged = stage(store, JPEG, filename="a.jpg")
    now = RetentionPolicy(0)
    assert now.delete_after_job
    assert now.after_job(store, [staged]) == [staged.key]
    assert not store.exists(staged.key)
    assert delete_staged(store, staged) == [staged.key]  # already gone: fine
    with pytest.raises(ValueError, match="retention"):
        RetentionPolicy(-1)
