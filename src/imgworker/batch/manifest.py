"""The batch manifest: which sources get which rendition profile.

Two formats, chosen by extension (``.csv``; ``.jsonl``/``.ndjson``/``.json``) or, otherwise, by the
first character (``{`` means JSON lines):

- **CSV** with a header row. Columns: ``source`` (required), ``profile`` (required unless a
  default profile is given), ``target`` (optional: a template that replaces the profile's).
  Blank lines and rows whose first cell starts with ``#`` are skipped.
- **JSON lines**: one object per line, ``{"source": ..., "profile": "web" | {inline profile},
  "target"?: ...}``; blank lines and lines starting with ``#`` are skipped. An inline profile is
  the object of :func:`imgworker.batch.profiles.parse_profile` (optionally with a ``name``).

``source`` is a local path (relative to the manifest's folder), a ``file://`` URL or an
``http(s)://`` URL. The file is UTF-8 text (a byte order mark at its start is ignored). Every error
is a :class:`ManifestError` that names the file, the line and the field, bytes that are not UTF-8
and a CSV field over the ``csv`` module's limit (:func:`csv.field_size_limit`, 128 KiB: usually an
unclosed quote) included. :func:`scan` checks the whole manifest (including that no two rows write
the same target, and that a store-URL target has a key and, for ``azure://``, a valid container
name) before any work starts; :func:`iter_jobs` then yields the jobs lazily, so a long manifest is
never held in memory as jobs.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from imgworker.batch.jobs import STORE_SCHEMES, URL_SCHEMES, Job, RenditionJob, digest, expand_target
from imgworker.batch.profiles import Profile, ProfileError, check_template, parse_profile
from imgworker.storage.base import check_key

CSV_COLUMNS = ("source", "profile", "target")
_JSON_KEYS = frozenset(CSV_COLUMNS)
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # what ``surrogateescape`` makes of bytes that are not UTF-8


class ManifestError(ValueError):
    """The manifest cannot be used; the message is ``<file>:<line>: <what>`` naming the field."""


@dataclass(frozen=True)
class ManifestRow:
    """One row: a resolved ``source``, its profile and the target template to use."""

    line: int
    source: str
    profile: Profile
    target: str


@dataclass
class ManifestPlan:
    """What :func:`scan` found: job and rendition counts, jobs per profile."""

    jobs: int = 0
    renditions: int = 0
    profiles: dict[str, int] = field(default_factory=dict)


def _open(path: Path) -> TextIO:
    """The manifest as UTF-8 text without a leading BOM; bytes that are not UTF-8 become surrogates
    (:func:`_text_lines` reports them with their line)."""
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def _text_lines(p: Path, f: Iterable[str]) -> Iterator[str]:
    """The lines of ``f``; a line holding bytes that are not UTF-8 is a :class:`ManifestError` naming it."""
    for number, text in enumerate(f, start=1):
        bad = _NOT_UTF8.search(text)
        if bad:
            byte = ord(bad.group()) - 0xDC00
            raise ManifestError(
                f"{p}:{number}: not UTF-8 text (byte 0x{byte:02x} at column {bad.start() + 1}); "
                "save the manifest as UTF-8"
            )
        yield text


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    with _open(path) as f:
        for text in f:
            if text.strip():
                return "jsonl" if text.lstrip().startswith("{") else "csv"
    return "csv"


def _resolve_source(value: Any, base: Path, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where}: Expected a path or URL for `source` but received {value!r}")
    text: str = value.strip()
    if text.startswith(URL_SCHEMES):
        return text
    if text.startswith("file://"):
        return unquote(urlsplit(text).path)
    if "://" in text:
        raise ManifestError(f"{where}: unsupported `source` {text!r}: expected a path, file:// or http(s):// URL")
    return os.path.abspath(base / text)


def _profile(value: Any, profiles: Mapping[str, Profile], default: str | None, where: str) -> Profile:
    if value in (None, "") and default:
        value = default
    if isinstance(value, Mapping):
        body = dict(value)
        name = body.pop("name", None) or f"inline-{digest(body)[:8]}"
        try:
            return parse_profile(str(name), body, where)
        except ProfileError as exc:
            raise ManifestError(str(exc)) from None
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{where}: Expected a profile name or object for `profile` but received {value!r}")
    if value not in profiles:
        known = ", ".join(sorted(profiles)) or "none (pass --profiles FILE)"
        raise ManifestError(f"{where}: unknown profile {value!r} in `profile`; known profiles: {known}")
    return profiles[value]


def _row(
    obj: Mapping[str, Any], base: Path, profiles: Mapping[str, Profile], default: str | None, where: str, line: int
) -> ManifestRow:
    source = _resolve_source(obj.get("source"), base, where)
    profile = _profile(obj.get("profile"), profiles, default, where)
    target = obj.get("target") or profile.target
    try:
        check_template(target, where)
    except ProfileError as exc:
        raise ManifestError(str(exc)) from None
    return ManifestRow(line, source, profile, target)


def read_rows(
    path: str | Path, profiles: Mapping[str, Profile], *, default_profile: str | None = None
) -> Iterator[ManifestRow]:
    """Parse the manifest row by row.

    Raises:
        ManifestError: unreadable file, bytes that are not UTF-8, a CSV field over the csv module's
            limit, a missing header column, an unknown column/field, bad JSON, a missing source, an
            unknown profile or a bad target template (with the line).
    """
    p = Path(path)
    base = p.resolve().parent
    try:
        kind = _format(p)
        f = _open(p)
    except OSError as exc:
        raise ManifestError(f"{p}: cannot read the manifest ({exc})") from None
    with f:
        if kind == "jsonl":
            yield from _jsonl_rows(p, f, base, profiles, default_profile)
        else:
            yield from _csv_rows(p, f, base, profiles, default_profile)


def _jsonl_rows(
    p: Path, f: Any, base: Path, profiles: Mapping[str, Profile], default: str | None
) -> Iterator[ManifestRow]:
    for number, text in enumerate(_text_lines(p, f), start=1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"{p}:{number}"
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{where}: not a JSON object ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise ManifestError(f"{where}: Expected a JSON object but received {type(obj).__name__}")
        unknown = sorted(set(obj) - _JSON_KEYS)
        if unknown:
            raise ManifestError(f"{where}: unknown field(s) {', '.join(unknown)}; expected source, profile, target")
        yield _row(obj, base, profiles, default, where, number)


def _csv_error(p: Path, line: int, exc: csv.Error) -> ManifestError:
    text = str(exc)
    if "field larger than field limit" in text:
        text = (
            f"a field is longer than {csv.field_size_limit()} characters, the CSV limit "
            "(is a quote left open on this line?)"
        )
    return ManifestError(f"{p}:{line}: not valid CSV: {text}")


def _csv_rows(
    p: Path, f: Any, base: Path, profiles: Mapping[str, Profile], default: str | None
) -> Iterator[ManifestRow]:
    reader = csv.reader(_text_lines(p, f))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise _csv_error(p, 1, exc) from None
    if "source" not in header:
        raise ManifestError(f"{p}:1: the header row has no `source` column (columns: {', '.join(CSV_COLUMNS)})")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ManifestError(f"{p}:1: unknown column(s) {', '.join(unknown)}; expected {', '.join(CSV_COLUMNS)}")
    if "profile" not in header and not default:
        raise ManifestError(f"{p}:1: the header row has no `profile` column and no default profile was given")
    while True:
        start = reader.line_num + 1  # a row may span lines (quoted newlines): a CSV error names its first
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(p, start, exc) from None
        number = reader.line_num
        cells = {h: raw[i].strip() if i < len(raw) else "" for i, h in enumerate(header)}
        if not any(cells.values()) or cells.get("source", "").startswith("#"):
            continue
        if len(raw) > len(header):
            raise ManifestError(f"{p}:{number}: more cells than header columns ({len(header)})")
        yield _row(cells, base, profiles, default, f"{p}:{number}", number)


def _values(row: ManifestRow, rendition: str) -> dict[str, str]:
    name = PurePosixPath(unquote(urlsplit(row.source).path) if row.source.startswith(URL_SCHEMES) else row.source).name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    return {
        "stem": stem or name,
        "ext": ext,
        "source": name,
        "name": rendition,
        "profile": row.profile.name,
        "line": str(row.line),
    }


def check_store_target(target: str, where: str) -> None:
    """Refuse a store-URL target (``azure://container/key``, ``s3://bucket/key``) that no store
    accepts: no key, an invalid key, or an invalid Azure container name (3-63 lowercase letters,
    digits and single hyphens, starting and ending with a letter or digit).

    Raises:
        ManifestError: naming ``where`` and the target.
    """
    if not target.startswith(STORE_SCHEMES):
        return
    scheme, _, rest = target.partition("://")
    container, _, key = rest.partition("/")
    noun = "container" if scheme == "azure" else "bucket"
    if not container or not key:
        raise ManifestError(f"{where}: Expected {scheme}://<{noun}>/<key> for the target but received {target!r}")
    try:
        check_key(key)
        if scheme == "azure":
            from imgworker.storage.azure import check_container_name  # imports the Azure SDK: only when used

            check_container_name(container)
    except ValueError as exc:
        raise ManifestError(f"{where}: target {target!r}: {exc}") from None


def expand(row: ManifestRow, out_dir: str) -> tuple[RenditionJob, ...]:
    """The row's renditions with their targets expanded (relative paths joined to ``out_dir``)."""
    return tuple(
        RenditionJob(r.name, r.imgix, r.fmt, expand_target(row.target, _values(row, r.name), out_dir))
        for r in row.profile.renditions
    )


def scan(
    path: str | Path, profiles: Mapping[str, Profile], out_dir: str, *, default_profile: str | None = None
) -> ManifestPlan:
    """Check the whole manifest and count its jobs and renditions (nothing is hashed or run).

    Raises:
        ManifestError: as :func:`read_rows`, when two rows (or two renditions) would write the
            same target, naming both lines, and for a store-URL target no store accepts
            (:func:`check_store_target`).
    """
    plan = ManifestPlan()
    targets: dict[str, int] = {}
    for row in read_rows(path, profiles, default_profile=default_profile):
        expanded = expand(row, out_dir)
        if len({r.target for r in expanded}) < len(expanded):
            raise ManifestError(
                f"{path}:{row.line}: target template {row.target!r} gives two renditions the same target "
                "(use {name} in it)"
            )
        for r in expanded:
            check_store_target(r.target, f"{path}:{row.line}")
            first = targets.setdefault(r.target, row.line)
            if first != row.line:
                raise ManifestError(f"{path}:{row.line}: target {r.target!r} is also written by line {first}")
        plan.jobs += 1
        plan.renditions += len(expanded)
        plan.profiles[row.profile.name] = plan.profiles.get(row.profile.name, 0) + 1
    return plan


def iter_jobs(
    path: str | Path, profiles: Mapping[str, Profile], out_dir: str, *, default_profile: str | None = None
) -> Iterator[Job]:
    """The manifest's jobs in order (each local source is hashed when its job is yielded)."""
    for row in read_rows(path, profiles, default_profile=default_profile):
        yield Job.create(row.source, row.profile.name, expand(row, out_dir), row.line)
