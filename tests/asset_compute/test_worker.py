"""worker()/batch_worker(): the reference scenarios replayed against the loopback HTTPS recorder.

Each test runs the request the reference harness sent (spec section 10.3) and compares the uploads and
event payloads with the recorded ones (tests/asset_compute/reference/traffic.json), key order included.
Where this port deviates on purpose, the test applies the documented deviation (docs/asset-compute.md,
"Deviations") to the expected payload explicitly.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from imgworker.asset_compute import (
    ActivationContext,
    AssetComputeConfig,
    ClientError,
    GenericError,
    RenditionFormatUnsupportedError,
    SourceCorruptError,
    SourceUnsupportedError,
    batch_worker,
    worker,
)
from imgworker.asset_compute.metrics import REGISTRY
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.source import Source
from plugins.asset_compute import Recorder, Reference, assert_same_event, jpeg_metadata


def copy(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
    assert source is not None
    shutil.copyfile(source.path, rendition.path)


def test_basic(
    recorder: Recorder,
    reference: Reference,
    webhook_auth: dict[str, Any],
    small_jpeg: bytes,
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    seen: list[tuple[str, str, dict[str, Any]]] = []

    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        assert source is not None
        seen.append((source.name, rendition.name, dict(rendition.instructions)))
        assert set(params) >= {"source", "renditions", "requestId", "userData", "auth", "metrics", "times"}
        if rendition.fmt == "txt":
            rendition.path.write_text("a text rendition!!!\n")
        else:
            shutil.copyfile(source.path, rendition.path)

    recorder.add_source("small.jpg", small_jpeg)
    params = {
        "source": recorder.url("/src/small.jpg"),
        "renditions": [
            {"fmt": "jpg", "name": "r1.jpg", "target": recorder.url("/put/basic/r1.jpg"), "myCustom": "x"},
            {
                "fmt": "txt",
                "name": "r2.txt",
                "target": recorder.url("/put/basic/r2.txt"),
                "userData": {"perRendition": True},
            },
        ],
        "requestId": "req-basic",
        "userData": {"assetId": "a-1"},
        **webhook_auth,
    }
    result = worker(callback).run_sync(params, config=ac_config, context=ac_context)

    assert result == {"requestId": "req-basic"}
    # no fmt rewrite (deviation): the callback sees the requested fmt and rendition0.jpg
    assert [(s, r, i["fmt"]) for s, r, i in seen] == [
        ("source.jpg", "rendition0.jpg", "jpg"),
        ("source.jpg", "rendition1.txt", "txt"),
    ]
    text = b"a text rendition!!!\n"
    puts = recorder.find("PUT")
    assert [(p.path, p.length, p.sha1, p.headers["content-type"]) for p in puts] == [
        ("/put/basic/r1.jpg", len(small_jpeg), hashlib.sha1(small_jpeg).hexdigest(), "image/jpeg"),
        ("/put/basic/r2.txt", len(text), hashlib.sha1(text).hexdigest(), "text/plain; charset=us-ascii"),
    ]
    expected = reference.events("basic", recorder.base)
    expected[0]["metadata"] = jpeg_metadata(small_jpeg)
    expected[1]["metadata"].update({"repo:size": len(text), "repo:sha1": hashlib.sha1(text).hexdigest()})
    actual = recorder.events()
    assert len(actual) == 2
    for got, want in zip(actual, expected, strict=True):
        assert_same_event(got, want)
    assert all(r.json["user_guid"] == "TESTORG@AdobeOrg" for r in recorder.find("POST", "/webhook"))
    assert not (ac_config.work_base / "act-test").exists()


def test_sourceobj_sends_headers_and_names_the_file(
    recorder: Recorder,
    reference: Reference,
    small_jpeg: bytes,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    names: list[str] = []

    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        assert source is not None and source.mimetype == "image/jpeg" and source.size == len(small_jpeg)
        names.append(source.name)
        copy(source, rendition, params)

    recorder.add_source("small.jpg", small_jpeg)
    source = {
        "url": recorder.url("/src-range/small.jpg"),
        "name": "photo.JPG",
        "mimetype": "image/jpeg",
        "size": len(small_jpeg),
        "headers": {"x-custom-src": "yes"},
    }
    params = {
        "source": source,
        "requestId": "req-sourceobj",
        **webhook_auth,
        "renditions": [{"fmt": "jpg", "name": "r.jpg", "target": recorder.url("/put/sourceobj/r.jpg")}],
    }
    worker(callback).run_sync(params, config=ac_config, context=ac_context)

    assert names == ["source.JPG"]
    [get] = recorder.find("GET")
    assert get.headers["x-custom-src"] == "yes"
    [want] = reference.events("sourceobj", recorder.base)
    want["metadata"] = jpeg_metadata(small_jpeg)
    assert_same_event(recorder.events()[0], want)


def test_errors_each_rendition_gets_its_own_event(
    recorder: Recorder,
    reference: Reference,
    small_jpeg: bytes,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    class CustomError(Exception):
        reason = "MyCustomReason"

    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        match rendition.id():
            case "e0.jpg":
                raise SourceCorruptError("bad source")
            case "e1.jpg":
                return  # writes nothing
            case "e2.jpg":
                raise RuntimeError("plain js error")
            case "e3.jpg":
                raise RenditionFormatUnsupportedError("fmt nope")
            case "e4.jpg":
                raise CustomError("custom")
        copy(source, rendition, params)

    recorder.add_source("small.jpg", small_jpeg)
    params = {
        "source": recorder.url("/src/small.jpg"),
        "requestId": "req-errors",
        **webhook_auth,
        "renditions": [
            {"fmt": "jpg", "name": f"e{i}.jpg", "target": recorder.url(f"/put/errors/e{i}.jpg")} for i in range(6)
        ],
    }
    result = worker(callback).run_sync(params, config=ac_config, context=ac_context)

    expected = reference.events("errors", recorder.base)
    expected[-1]["metadata"] = jpeg_metadata(small_jpeg)
    for got, want in zip(recorder.events(), expected, strict=True):
        assert_same_event(got, want)
    assert [p.path for p in recorder.find("PUT")] == ["/put/errors/e5.jpg"]
    errors = result["renditionErrors"]
    assert [(e["name"], e.get("reason"), e.get("location")) for e in errors] == [
        ("SourceCorruptError", "SourceCorrupt", None),
        ("GenericError", None, "myworker_process_norendition"),
        ("RuntimeError", None, None),
        ("RenditionFormatUnsupportedError", "RenditionFormatUnsupported", None),
        ("CustomError", "MyCustomReason", None),
    ]


def test_datauri_source_needs_no_download(
    recorder: Recorder,
    reference: Reference,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    uri = "data:text/plain;base64,aGVsbG8gZnJvbSBkYXRhIHVyaQ=="
    params = {
        "source": uri,
        "requestId": "req-datauri",
        **webhook_auth,
        "renditions": [{"fmt": "txt", "name": "d.txt", "target": recorder.url("/put/datauri/d.txt")}],
    }
    names: list[str] = []

    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        assert source is not None
        names.append(source.name)
        copy(source, rendition, params)

    worker(callback).run_sync(params, config=ac_config, context=ac_context)

    assert names == ["source"]
    assert [r.method for r in recorder.requests] == ["PUT", "POST"]
    [put] = recorder.find("PUT")
    [want_put] = reference.puts("datauri", recorder.base)
    assert (put.path, put.length, put.sha1, put.headers["content-type"]) == (
        want_put["path"],
        want_put["len"],
        want_put["sha1"],
        want_put["content_type"],
    )
    assert_same_event(recorder.events()[0], reference.events("datauri", recorder.base)[0])


def test_nodownload_and_nosource(
    recorder: Recorder,
    reference: Reference,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    sources: list[Source | None] = []

    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        sources.append(source)
        rendition.path.write_bytes(b"x" * 9 if source is None else b"no download here\n\n\n")

    url = recorder.url("/src/small.jpg")  # not registered: it must not be fetched
    params = {
        "source": url,
        "requestId": "req-nodownload",
        **webhook_auth,
        "renditions": [{"fmt": "txt", "name": "n.txt", "target": recorder.url("/put/nodl/n.txt")}],
    }
    worker(callback, {"disableSourceDownload": True}).run_sync(params, config=ac_config, context=ac_context)
    assert sources[0] is not None and sources[0].name == "source.jpg" and not sources[0].exists()
    assert not recorder.find("GET")

    params = {
        "requestId": "req-nosource",
        **webhook_auth,
        "renditions": [{"fmt": "txt", "name": "ns.txt", "target": recorder.url("/put/nosource/ns.txt")}],
    }
    worker(callback).run_sync(params, config=ac_config, context=ac_context)
    assert sources[1] is None
    want = reference.events("nosource", recorder.base)[0]
    want["metadata"].update({"repo:size": 9, "repo:sha1": hashlib.sha1(b"x" * 9).hexdigest()})
    assert_same_event(recorder.events()[1], want)


def test_customworker_adds_activation_ids(
    recorder: Recorder,
    reference: Reference,
    small_jpeg: bytes,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
) -> None:
    recorder.add_source("small.jpg", small_jpeg)
    params = {
        "source": recorder.url("/src/small.jpg"),
        "requestId": "req-customworker",
        "customWorker": True,
        **webhook_auth,
        "renditions": [{"fmt": "jpg", "name": "cw.jpg", "target": recorder.url("/put/cw/cw.jpg")}],
    }
    context = ActivationContext(activation_id="act-customworker", action_name="/testns/testpkg/myworker")
    worker(copy).run_sync(params, config=ac_config, context=context)
    [want] = reference.events("customworker", recorder.base)
    want["metadata"] = jpeg_metadata(small_jpeg)
    assert_same_event(recorder.events()[0], want)


def test_embed_small_rendition_in_event(
    recorder: Recorder,
    reference: Reference,
    small_jpeg: bytes,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        rendition.path.write_text("tiny text")

    recorder.add_source("small.jpg", small_jpeg)
    params = {
        "source": recorder.url("/src/small.jpg"),
        "requestId": "req-embed",
        **webhook_auth,
        "renditions": [
            {"fmt": "txt", "name": "e.txt", "target": recorder.url("/put/embed/e.txt"), "embedBinaryLimit": 1024},
            {"fmt": "txt", "name": "f.txt", "target": recorder.url("/put/embed/f.txt"), "embedBinaryLimit": 4},
        ],
    }
    worker(callback).run_sync(params, config=ac_config, context=ac_context)

    assert [p.path for p in recorder.find("PUT")] == ["/put/embed/f.txt"]
    for got, want in zip(recorder.events(), reference.events("embed", recorder.base), strict=True):
        assert_same_event(got, want)


def test_nofmt_and_url_alias(
    recorder: Recorder,
    reference: Reference,
    small_jpeg: bytes,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    names: list[str] = []

    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        names.append(rendition.name)
        rendition.path.write_text("nofmt" if "nofmt" in str(rendition.target) else "alias")

    recorder.add_source("small.jpg", small_jpeg)
    params = {
        "source": recorder.url("/src/small.jpg"),
        "requestId": "req-nofmt",
        **webhook_auth,
        "renditions": [
            {"name": "nf.bin", "target": recorder.url("/put/nofmt/nf.bin")},
            {"type": "image/png", "target": recorder.url("/put/nofmt/t.png")},
        ],
    }
    worker(callback).run_sync(params, config=ac_config, context=ac_context)
    assert names == ["rendition0", "rendition1.png"]
    expected = reference.events("nofmt", recorder.base)
    assert expected[0]["rendition"].pop("fmt") is False  # deviation: no `"fmt": false`
    for got, want in zip(recorder.events(), expected, strict=True):
        assert_same_event(got, want)

    alias = recorder.url("/put/urlalias/ua.txt?sig=secret")
    params = {
        "source": recorder.url("/src/small.jpg"),
        "requestId": "req-urlalias",
        **webhook_auth,
        "renditions": [{"fmt": "txt", "name": "ua.txt", "url": alias}],
    }
    worker(callback).run_sync(params, config=ac_config, context=ac_context)
    put = recorder.find("PUT", "/put/urlalias/")[0]
    assert (put.path, put.length, put.sha1) == (
        "/put/urlalias/ua.txt?sig=secret",
        5,
        hashlib.sha1(b"alias").hexdigest(),
    )
    [want] = reference.events("urlalias", recorder.base)
    assert want["rendition"].pop("url") == alias  # deviation: the presigned url is not echoed
    want["metadata"]["repo:sha1"] = hashlib.sha1(b"alias").hexdigest()
    assert_same_event(recorder.events()[-1], want)


def test_empty_source_runs_callback_and_empty_rendition_fails(
    recorder: Recorder,
    reference: Reference,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        assert source is not None and source.exists() and source.size == 0
        rendition.path.write_bytes(b"x" if rendition.id() == "es.txt" else b"")

    recorder.add_source("empty.bin", b"")
    params = {
        "source": recorder.url("/src/empty.bin"),
        "requestId": "req-emptysource",
        **webhook_auth,
        "renditions": [{"fmt": "txt", "name": "es.txt", "target": recorder.url("/put/emptysource/es.txt")}],
    }
    worker(callback).run_sync(params, config=ac_config, context=ac_context)
    [get] = recorder.find("GET")
    assert "range" not in get.headers  # the reference sent the malformed "bytes=0--1"
    [want_put] = reference.puts("emptysource", recorder.base)
    put = recorder.find("PUT")[0]
    assert (put.length, put.sha1, put.headers["content-type"]) == (1, want_put["sha1"], want_put["content_type"])
    assert_same_event(recorder.events()[0], reference.events("emptysource", recorder.base)[0])

    params = {
        "source": recorder.url("/src/empty.bin"),
        "requestId": "req-emptyrendition",
        **webhook_auth,
        "renditions": [{"fmt": "txt", "name": "er.txt", "target": recorder.url("/put/er.txt")}],
    }
    result = worker(callback).run_sync(params, config=ac_config, context=ac_context)
    assert len(recorder.find("PUT")) == 1
    want = reference.events("emptyrendition", recorder.base)[0]
    want["source"] = recorder.url("/src/empty.bin")
    assert_same_event(recorder.events()[1], want)
    assert result["renditionErrors"][0]["location"] == "myworker_upload"


def test_check_action_and_validation_send_no_events(
    recorder: Recorder, webhook_auth: dict[str, Any], ac_config: AssetComputeConfig, ac_context: ActivationContext
) -> None:
    w = worker(copy)
    assert w.run_sync({"__checkAction": True}, config=ac_config, context=ac_context) == {
        "ok": True,
        "checkAction": True,
    }
    good = {"fmt": "jpg", "target": recorder.url("/put/x.jpg")}
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"renditions": "nope"}, GenericError, "'renditions' is not an array."),
        ({"renditions": []}, GenericError, "'renditions' array is empty."),
        (
            {"source": "http://127.0.0.1:1/x.jpg", "renditions": [good]},
            SourceUnsupportedError,
            "Invalid or missing https url http://127.0.0.1:1/x.jpg",
        ),
        (
            {"source": "data:text/plain;base64,@@@", "renditions": [good]},
            SourceCorruptError,
            "Invalid or missing data url",
        ),
        (
            {"renditions": [{"fmt": "jpg", "target": "http://127.0.0.1:1/put"}]},
            GenericError,
            "rendition[0].target is not a valid https url",
        ),
        ({"renditions": [{"fmt": "jpg"}]}, GenericError, "rendition[0].target is neither a string nor an object"),
        ({"renditions": [{**good, "embedBinaryLimit": "big"}]}, GenericError, "renditions[0].embedBinaryLimit:"),
    ]
    for params, cls, message in cases:
        with pytest.raises(cls) as info:
            w.run_sync({**params, **webhook_auth}, config=ac_config, context=ac_context)
        assert str(info.value).startswith(message)
        if isinstance(info.value, GenericError):
            assert info.value.location == "myworker_validate"
    assert recorder.requests == []


def test_validation_failure_is_counted_as_a_failed_activation(
    ac_config: AssetComputeConfig, ac_context: ActivationContext, caplog: pytest.LogCaptureFixture
) -> None:
    before = REGISTRY.get_sample_value("asset_compute_activations_total", {"outcome": "failed"}) or 0.0
    with (
        caplog.at_level(logging.INFO, logger="imgworker.asset_compute.metrics"),
        pytest.raises(SourceUnsupportedError),
    ):
        worker(copy).run_sync(
            {"source": "http://127.0.0.1:1/x.jpg", "renditions": [{"fmt": "jpg"}], "requestId": "req-v"},
            config=ac_config,
            context=ac_context,
        )
    assert REGISTRY.get_sample_value("asset_compute_activations_total", {"outcome": "failed"}) == before + 1
    metrics = [r for r in caplog.records if r.name == "imgworker.asset_compute.metrics"]
    records: list[dict[str, Any]] = [r.fields for r in metrics]  # type: ignore[attr-defined]
    assert [(r["eventType"], r["requestId"]) for r in records] == [("client_error", "req-v"), ("activation", "req-v")]
    assert (records[0]["reason"], records[1]["outcome"]) == ("SourceUnsupported", "failed")


def test_openwhisk_main_returns_error_object(ac_config: AssetComputeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("__OW_ACTION_NAME", "/ns/pkg/myworker")
    result = worker(copy, config=ac_config)({"renditions": [{"fmt": "jpg", "target": "http://x/y"}], "requestId": "r"})
    assert result["error"]["name"] == "GenericError"
    assert result["error"]["location"] == "myworker_validate"
    assert result["error"]["requestId"] == "r"


def test_batch_worker(
    recorder: Recorder,
    reference: Reference,
    small_jpeg: bytes,
    webhook_auth: dict[str, Any],
    ac_config: AssetComputeConfig,
    ac_context: ActivationContext,
) -> None:
    calls: list[tuple[int, Path]] = []

    def batch(source: Source | None, renditions: list[Rendition], outdir: Path, params: dict[str, Any]) -> None:
        assert source is not None
        calls.append((len(renditions), outdir))
        for rendition in renditions:
            if rendition.id() != "b1.jpg":
                shutil.copyfile(source.path, rendition.path)

    recorder.add_source("small.jpg", small_jpeg)
    params = {
        "source": recorder.url("/src/small.jpg"),
        "requestId": "req-batch",
        **webhook_auth,
        "renditions": [
            {"fmt": "jpg", "name": f"b{i}.jpg", "target": recorder.url(f"/put/batch/b{i}.jpg")} for i in range(3)
        ],
    }
    result = batch_worker(batch).run_sync(params, config=ac_config, context=ac_context)
    assert len(calls) == 1 and calls[0][0] == 3
    assert [p.path for p in recorder.find("PUT")] == ["/put/batch/b0.jpg", "/put/batch/b2.jpg"]
    expected = reference.events("batch", recorder.base)
    expected[0]["metadata"] = expected[2]["metadata"] = jpeg_metadata(small_jpeg)
    for got, want in zip(recorder.events(), expected, strict=True):
        assert_same_event(got, want)
    assert result["renditionErrors"][0]["location"] == "myworker_batchProcess_norendition"

    async def throws(source: Source | None, renditions: list[Rendition], outdir: Path, params: dict[str, Any]) -> None:
        raise SourceCorruptError("batch failed")

    params = {**params, "requestId": "req-batchthrow", "renditions": params["renditions"][:2]}
    result = batch_worker(throws).run_sync(params, config=ac_config, context=ac_context)
    for got, want in zip(recorder.events()[3:], reference.events("batchthrow", recorder.base), strict=True):
        assert_same_event(got, want)
    assert [e["reason"] for e in result["renditionErrors"]] == ["SourceCorrupt", "SourceCorrupt"]
    assert isinstance(SourceCorruptError("x"), ClientError)


def test_worker_options_and_load_worker() -> None:
    from imgworker.asset_compute import WorkerOptions
    from imgworker.asset_compute.worker import AssetComputeWorker, load_worker

    assert WorkerOptions.coerce({"disableRenditionUpload": 1}) == WorkerOptions(disable_rendition_upload=True)
    assert WorkerOptions.coerce(None) == WorkerOptions()
    with pytest.raises(ValueError, match="supportedRenditionFormats"):
        WorkerOptions.coerce({"supportedRenditionFormats": ["jpg"]})  # deviation 1: no fmt rewrite
    with pytest.raises(TypeError):
        worker("not callable")  # type: ignore[arg-type]
    assert isinstance(load_worker("imgworker.asset_compute.examples:passthrough"), AssetComputeWorker)
    assert load_worker("imgworker.asset_compute.examples:copy_source").callback.__name__ == "copy_source"
    with pytest.raises(ValueError):
        load_worker("no-colon")
    with pytest.raises(TypeError):
        load_worker("imgworker.asset_compute.config:MIB")
