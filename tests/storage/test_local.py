"""LocalFolderStore: the shared contract plus local specifics (atomic writes, reserved folders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgworker.storage import LocalFolderStore, open_store
from storage.contract import StoreContract


class TestLocalFolderStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> LocalFolderStore:
        return LocalFolderStore(tmp_path / "store")


def test_url_is_file_uri(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    assert store.url == tmp_path.resolve().as_uri()
    assert store.presigned_read_url("a b.jpg") == (tmp_path / "a b.jpg").resolve().as_uri()


def test_open_store_paths(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path / "x")), LocalFolderStore)
    store = open_store((tmp_path / "y z").as_uri())
    assert isinstance(store, LocalFolderStore)
    assert store.root == (tmp_path / "y z").resolve()


def test_open_store_rejects_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="unsupported store URL"):
        open_store("gs://bucket")


def test_multipart_folder_is_reserved_and_hidden(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    upload = store.presigned_multipart_upload("a.jpg", 2)
    assert all(u.startswith((tmp_path / ".multipart").resolve().as_uri()) for u in upload.urls)
    with pytest.raises(ValueError, match="reserved"):
        store.put(".multipart/x", b"1")
    assert list(store.list()) == []


def test_no_temp_file_left_after_failed_write(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)

    class Boom:
        def read(self, n: int = -1) -> bytes:
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        store.put("x.jpg", Boom())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
