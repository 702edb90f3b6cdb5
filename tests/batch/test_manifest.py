"""Manifest and profile parsing: formats, inline profiles, target templates, and errors that name
the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgworker.batch.jobs import Job, target_identity
from imgworker.batch.manifest import ManifestError, iter_jobs, read_rows, scan
from imgworker.batch.profiles import DEFAULT_TARGET, Profile, ProfileError, RenditionSpec, load_profiles

WEB = Profile("web", (RenditionSpec("a.jpg", (("w", "100"),)), RenditionSpec("b.webp", (("w", "50"),), "webp")))
PROFILES = {"web": WEB}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_resolve_sources_against_the_manifest_folder(tmp_path: Path) -> None:
    m = write(
        tmp_path, "m.csv", "source,profile\nphotos/a.jpg,web\n\n# a comment,web\nhttps://h/x/b%20c.png?sig=1,web\n"
    )
    rows = list(read_rows(m, PROFILES))
    assert [r.source for r in rows] == [str(tmp_path / "photos/a.jpg"), "https://h/x/b%20c.png?sig=1"]
    assert [r.line for r in rows] == [2, 5] and rows[0].target == DEFAULT_TARGET


def test_jsonl_with_inline_profile_and_target_override(tmp_path: Path) -> None:
    inline = {"renditions": [{"name": "t.png", "imgix": "w=10", "fmt": "png"}]}
    lines = [
        json.dumps({"source": "a.jpg", "profile": "web", "target": "x/{stem}-{name}"}),
        "",
        json.dumps({"source": "file:///data/b.jpg", "profile": inline}),
    ]
    m = write(tmp_path, "m.jsonl", "\n".join(lines))
    rows = list(read_rows(m, PROFILES))
    assert rows[0].target == "x/{stem}-{name}" and rows[1].source == "/data/b.jpg"
    assert rows[1].profile.name.startswith("inline-") and rows[1].profile.renditions[0].fmt == "png"


def test_targets_expand_and_relative_paths_join_out_dir(tmp_path: Path) -> None:
    m = write(
        tmp_path,
        "m.jsonl",
        json.dumps({"source": "dir/My photo.jpg", "profile": "web", "target": "https://s/{profile}/{stem}/{name}?sv=1"})
        + "\n"
        + json.dumps({"source": "dir/My photo.jpg", "profile": "web"}),
    )
    jobs = list(iter_jobs(m, PROFILES, "/out"))
    assert [r.target for r in jobs[0].renditions] == [
        "https://s/web/My%20photo/a.jpg?sv=1",
        "https://s/web/My%20photo/b.webp?sv=1",
    ]
    assert [r.target for r in jobs[1].renditions] == ["/out/out/My photo/a.jpg", "/out/out/My photo/b.webp"]
    assert target_identity(jobs[0].renditions[0].target) == "https://s/web/My%20photo/a.jpg"


def test_job_ids_are_deterministic_and_follow_the_source_bytes(tmp_path: Path) -> None:
    src = write(tmp_path, "a.jpg", "one")
    m = write(tmp_path, "m.csv", "source,profile\na.jpg,web\n")
    first = next(iter_jobs(m, PROFILES, "/out"))
    assert first == next(iter_jobs(m, PROFILES, "/out"))
    assert first.job_id.startswith("imgworker-") and len(first.job_id) == 50
    assert Job.from_payload(json.loads(json.dumps(first.to_payload()))) == first
    src.write_text("two")
    assert next(iter_jobs(m, PROFILES, "/out")).job_id != first.job_id
    assert next(iter_jobs(m, PROFILES, "/elsewhere")).job_id != first.job_id


def test_scan_counts_and_rejects_two_rows_writing_one_target(tmp_path: Path) -> None:
    ok = write(tmp_path, "ok.csv", "source,profile\na.jpg,web\nb.jpg,web\n")
    plan = scan(ok, PROFILES, "/out")
    assert (plan.jobs, plan.renditions, plan.profiles) == (2, 4, {"web": 2})
    clash = write(tmp_path, "clash.csv", "source,profile\nx/a.jpg,web\ny/a.jpg,web\n")
    with pytest.raises(ManifestError, match=r"clash.csv:3: target .* is also written by line 2"):
        scan(clash, PROFILES, "/out")
    same = write(tmp_path, "same.csv", "source,profile,target\na.jpg,web,out/{stem}.jpg\n")
    with pytest.raises(ManifestError, match=r"same.csv:2: .*use \{name\}"):
        scan(same, PROFILES, "/out")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.csv", "src,profile\na.jpg,web\n", r"m.csv:1: the header row has no `source` column"),
        ("m.csv", "source,profile,colour\na.jpg,web,red\n", r"m.csv:1: unknown column\(s\) colour"),
        ("m.csv", "source\na.jpg\n", r"m.csv:1: .*no `profile` column and no default profile"),
        (
            "m.csv",
            "source,profile\na.jpg,print\n",
            r"m.csv:2: unknown profile 'print' in `profile`; known profiles: web",
        ),
        ("m.csv", "source,profile\n,web\n", r"m.csv:2: Expected a path or URL for `source`"),
        ("m.csv", "source,profile\na.jpg,web,extra\n", r"m.csv:2: more cells than header columns"),
        ("m.csv", "source,profile\ns3://b/a.jpg,web\n", r"m.csv:2: unsupported `source`"),
        ("m.csv", "source,profile,target\na.jpg,web,out/{size}/{name}\n", r"m.csv:2: unknown placeholder \{size\}"),
        (
            "m.jsonl",
            '{"source": "a.jpg", "profile": "web"}\n{"source": "b.jpg", "profil": "web"}\n',
            r"m.jsonl:2: unknown field\(s\) profil",
        ),
        ("m.jsonl", '{"source": "a.jpg", "profile": "web"\n', r"m.jsonl:1: not a JSON object"),
        ("m.jsonl", '["a.jpg"]\n', r"m.jsonl:1: Expected a JSON object but received list"),
        (
            "m.jsonl",
            '{"source": "a.jpg", "profile": {"renditions": []}}\n',
            r"m.jsonl:1: profile 'inline-\w+': Expected a non-empty list for `renditions`",
        ),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, name: str, text: str, message: str) -> None:
    m = write(tmp_path, name, text)
    with pytest.raises(ManifestError, match=message):
        scan(m, PROFILES, "/out")


def test_default_profile_fills_rows_without_one(tmp_path: Path) -> None:
    m = write(tmp_path, "m.csv", "source\na.jpg\n")
    assert [r.profile.name for r in read_rows(m, PROFILES, default_profile="web")] == ["web"]


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read the manifest"):
        list(read_rows(tmp_path / "nope.csv", PROFILES))


def test_profiles_from_toml_and_json(tmp_path: Path) -> None:
    toml = write(
        tmp_path,
        "p.toml",
        '[profiles.web]\ntarget = "o/{stem}/{name}"\n'
        'renditions = [{ name = "a.jpg", imgix = { w = 100, fit = "crop" }, fmt = "JPG" }]\n',
    )
    web = load_profiles(toml)["web"]
    assert web.target == "o/{stem}/{name}"
    assert web.renditions[0] == RenditionSpec("a.jpg", (("w", "100"), ("fit", "crop")), "jpg")
    js = write(tmp_path, "p.json", json.dumps({"thumbs": {"renditions": [{"name": "t", "imgix": '{"w": 5}'}]}}))
    assert load_profiles(js)["thumbs"].renditions[0].imgix == (("w", "5"),)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"web": {"renditions": [{"name": "a/b.jpg"}]}}, r"profile 'web', rendition 1: Expected 1-200 characters"),
        ({"web": {"renditions": [{"name": "a", "fmt": "bmp"}]}}, r"rendition 1: Expected one of .* for `fmt`"),
        ({"web": {"renditions": [{"name": "a", "imgix": 5}]}}, r"rendition 1: `imgix`: Expected a JSON object"),
        ({"web": {"renditions": [{"name": "a", "size": 5}]}}, r"rendition 1: unknown field\(s\) size"),
        ({"web": {"renditions": [{"name": "a"}, {"name": "a"}]}}, r"rendition name 'a' is used twice"),
        ({"web": {"renditions": [{"name": "a"}], "target": "{nam}"}}, r"unknown placeholder \{nam\}"),
        ({"web": {"renditions": [{"name": "a"}], "sizes": 1}}, r"unknown field\(s\) sizes"),
        ([], r"Expected an object of profiles"),
    ],
)
def test_profile_errors(tmp_path: Path, body: object, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profiles(write(tmp_path, "p.json", json.dumps(body)))


def test_profile_file_syntax_errors(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"p.json:2: not valid JSON"):
        load_profiles(write(tmp_path, "p.json", '{\n"web": }'))
    with pytest.raises(ProfileError, match=r"p.toml: not valid TOML"):
        load_profiles(write(tmp_path, "p.toml", "[web\n"))
    with pytest.raises(ProfileError, match="cannot read the profiles file"):
        load_profiles(tmp_path / "none.toml")


def test_store_url_targets_keep_question_marks_and_hashes_in_their_identity() -> None:
    # keys of azure:// and s3:// targets may contain ? and #: two sources must stay two targets
    assert target_identity("azure://c/batch/q#1/t.jpg") != target_identity("azure://c/batch/q#2/t.jpg")
    assert target_identity("s3://b/r?1/t.jpg") != target_identity("s3://b/r?2/t.jpg")
    assert target_identity("https://h/a.jpg?sig=1") == target_identity("https://h/a.jpg?sig=2")


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_csv_field_over_the_csv_limit_is_an_error_naming_its_line(tmp_path: Path) -> None:
    huge = write(tmp_path, "m.csv", "source,profile\na.jpg,web\n" + "x" * 140_000 + ",web\nb.jpg,web\n")
    with pytest.raises(ManifestError, match=r"m.csv:3: not valid CSV: a field is longer than 131072 characters"):
        scan(huge, PROFILES, "/out")
    # an unclosed quote swallows the rest of the file: the error names the line where the row starts
    unclosed = write(tmp_path, "q.csv", 'source,profile\na.jpg,web\n"b.jpg,web\n' + "c.jpg,web\n" * 20_000)
    with pytest.raises(ManifestError, match=r"q.csv:3: not valid CSV: .*is a quote left open"):
        scan(unclosed, PROFILES, "/out")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("m.csv", b"source,profile\na.jpg,web\nb\xff.jpg,web\n", r"m.csv:3: not UTF-8 text \(byte 0xff at column 2\)"),
        ("m.csv", b"source,pro\xe9file\na.jpg,web\n", r"m.csv:1: not UTF-8 text \(byte 0xe9 at column 11\)"),
        (
            "m.jsonl",
            b'{"source": "a.jpg", "profile": "web"}\n\n{"source": "caf\xe9.jpg", "profile": "web"}\n',
            r"m.jsonl:3: not UTF-8 text \(byte 0xe9 at column 16\)",
        ),
        ("m.txt", b'{"source": "\xff.jpg", "profile": "web"}\n', r"m.txt:1: not UTF-8 text"),
    ],
)
def test_bytes_that_are_not_utf8_name_the_file_and_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        scan(write_bytes(tmp_path, name, data), PROFILES, "/out")


@pytest.mark.parametrize(
    ("name", "data", "line"),
    [
        ("m.csv", b"\xef\xbb\xbfsource,profile\r\na.jpg,web\r\n", 2),
        ("m.jsonl", b'\xef\xbb\xbf{"source": "a.jpg", "profile": "web"}\n', 1),
        ("m.txt", b'\xef\xbb\xbf{"source": "a.jpg", "profile": "web"}\n', 1),  # format sniffed past the BOM
        ("n.txt", b"\xef\xbb\xbfsource,profile\na.jpg,web\n", 2),
    ],
)
def test_a_utf8_byte_order_mark_is_ignored(tmp_path: Path, name: str, data: bytes, line: int) -> None:
    rows = list(read_rows(write_bytes(tmp_path, name, data), PROFILES))
    assert [(r.line, r.source, r.profile.name) for r in rows] == [(line, str(tmp_path / "a.jpg"), "web")]


def test_manifest_encoding_errors_are_usage_errors_not_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imgworker.cli import main as cli

    profiles = write(tmp_path, "p.json", json.dumps({"web": {"renditions": [{"name": "a.jpg"}]}}))
    big = write(tmp_path, "big.csv", "source,profile\n" + "x" * 200_000 + ",web\n")
    bad = write_bytes(tmp_path, "bad.jsonl", b'{"source": "\xff", "profile": "web"}\n')
    for manifest, message in ((big, "big.csv:2: not valid CSV"), (bad, "bad.jsonl:1: not UTF-8 text")):
        assert cli(["batch", str(manifest), "--profiles", str(profiles), "--check"]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
