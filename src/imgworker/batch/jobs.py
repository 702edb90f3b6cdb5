"""Jobs of a batch and their deterministic ids.

A :class:`Job` is one (source, profile) pair with its targets already expanded; it travels to a
worker as a JSON payload (:meth:`Job.to_payload`). Two ids make re-runs idempotent:

- the **job id** (the Celery task id): ``imgworker-`` + 40 hex of
  ``sha256(source digest, profile, [(rendition name, imgix, fmt, target identity)...])``;
  the source digest is the sha256 of the file's bytes for a local path and of the URL for a URL
  (the submitter does not download URLs);
- the **rendition id** (the done marker): 64 hex of
  ``sha256(content sha256, profile, rendition name, imgix, fmt, target identity)``, computed by the
  worker from the bytes it actually downloaded.

The target identity is the target without a query string or fragment, so a re-signed presigned
URL names the same rendition.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

URL_SCHEMES = ("http://", "https://")
STORE_SCHEMES = ("azure://", "s3://")


def digest(obj: Any) -> str:
    """sha256 (hex) of the canonical JSON of ``obj`` (sorted keys, no spaces)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str | Path) -> str:
    """sha256 (hex) of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def source_digest(source: str) -> str:
    """The submitter's digest of a source: file bytes for a readable path, else the string itself."""
    if not source.startswith(URL_SCHEMES) and os.path.isfile(source):
        return file_sha256(source)
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def target_identity(target: str) -> str:
    """``target`` without query string and fragment for ``http(s)`` URLs (presigned signatures change);
    paths, ``file://`` and store URLs (``azure://``, ``s3://``: their keys may contain ``?`` and ``#``)
    as they are."""
    if not target.lower().startswith(("http://", "https://")):
        return target
    parts = urlsplit(target)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def expand_target(template: str, values: Mapping[str, str], out_dir: str) -> str:
    """Fill a target template (see :mod:`imgworker.batch.profiles`); relative paths join ``out_dir``.

    Values are percent-encoded for ``http(s)`` templates, used as is for paths and store URLs.
    """
    if template.startswith(URL_SCHEMES):
        values = {k: quote(v, safe="") for k, v in values.items()}
    expanded = template.format_map(values)
    if "://" in expanded:
        return expanded
    return os.path.abspath(os.path.join(out_dir, expanded))


@dataclass(frozen=True)
class RenditionJob:
    """One rendition of a job: instructions plus its expanded ``target``."""

    name: str
    imgix: tuple[tuple[str, str], ...]
    fmt: str | None
    target: str

    def instructions(self) -> dict[str, Any]:
        """Asset Compute rendition instructions: ``name``, ``imgix`` (dict), ``fmt``?, ``target``."""
        out: dict[str, Any] = {"name": self.name, "imgix": dict(self.imgix), "target": self.target}
        if self.fmt:
            out["fmt"] = self.fmt
        return out

    def identity(self, profile: str) -> list[Any]:
        """What names this rendition besides the source: profile, name, imgix, fmt, target identity."""
        return [profile, self.name, sorted(self.imgix), self.fmt or "", target_identity(self.target)]


def rendition_id(content_sha256: str, profile: str, rendition: RenditionJob) -> str:
    """The done-marker id of a rendition made from a source whose bytes hash to ``content_sha256``."""
    return digest([content_sha256, *rendition.identity(profile)])


@dataclass(frozen=True)
class Job:
    """One (source, profile) pair of a manifest: the unit of work of one task."""

    job_id: str
    source: str
    profile: str
    renditions: tuple[RenditionJob, ...]
    line: int = 0

    @classmethod
    def create(cls, source: str, profile: str, renditions: tuple[RenditionJob, ...], line: int = 0) -> Job:
        """A job with its deterministic id (hashes a local source file)."""
        key = digest([source_digest(source), [r.identity(profile) for r in renditions]])
        return cls(f"imgworker-{key[:40]}", source, profile, renditions, line)

    def to_payload(self) -> dict[str, Any]:
        """JSON-safe dict: ``{job_id, source, profile, line, renditions: [instructions...]}``."""
        return {
            "job_id": self.job_id,
            "source": self.source,
            "profile": self.profile,
            "line": self.line,
            "renditions": [r.instructions() for r in self.renditions],
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Job:
        """Inverse of :meth:`to_payload`.

        Raises:
            KeyError / TypeError: a payload that was not made by :meth:`to_payload`.
        """
        renditions = tuple(
            RenditionJob(
                str(r["name"]),
                tuple((str(k), str(v)) for k, v in r.get("imgix", {}).items()),
                r.get("fmt"),
                str(r["target"]),
            )
            for r in payload["renditions"]
        )
        return cls(
            str(payload["job_id"]),
            str(payload["source"]),
            str(payload["profile"]),
            renditions,
            int(payload.get("line", 0)),
        )
