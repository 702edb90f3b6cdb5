"""Rendition profiles: a named set of renditions with imgix parameters and a target template.

A profiles file is JSON (``.json``) or TOML (``.toml``); profiles sit at the top level or under a
``profiles`` table::

    [profiles.web]
    target = "out/{stem}/{name}"                      # optional, this is the default
    renditions = [
      { name = "large.jpg",  imgix = { w = 1200, fit = "max" } },
      { name = "thumb.webp", fmt = "webp", imgix = "w=200&h=200&fit=crop" },
    ]

Fields of a rendition (Asset Compute rendition instructions, see ``docs/asset-compute.md``):

- ``name`` (required): 1-200 characters, no ``/`` or ``\\``; unique within the profile; it is
  ``{name}`` in the target template and the rendition's name in events.
- ``imgix``: the imgix parameters, a table/object or a query string (default: none, the source as
  is). Normalised by :func:`imgworker.worker.signing.imgix_params`.
- ``fmt``: ``jpg``, ``jpeg``, ``png``, ``webp``, ``gif`` or ``avif``; adds ``fm`` when ``imgix``
  has none (optional).

The ``target`` template expands :data:`TEMPLATE_FIELDS` with ``str.format`` syntax: ``{stem}`` (the
source file name without extension), ``{ext}`` (its extension without the dot), ``{source}`` (the
file name), ``{name}`` (the rendition name), ``{profile}`` and ``{line}`` (the manifest line). It is
a path (relative paths are resolved against ``--out-dir``), a ``file://`` URL, an ``http(s)://`` URL
that takes one ``PUT``, or a store URL ``azure://container/key`` / ``s3://bucket/key``.

Errors are :class:`ProfileError` (a :class:`ValueError`) naming the file, profile, rendition and field.
"""

from __future__ import annotations

import json
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgworker.worker.imgix_worker import FMT_TO_FM
from imgworker.worker.signing import InstructionsError, imgix_params

DEFAULT_TARGET = "out/{stem}/{name}"
TEMPLATE_FIELDS = frozenset({"stem", "ext", "source", "name", "profile", "line"})
_RENDITION_KEYS = frozenset({"name", "imgix", "fmt"})
_PROFILE_KEYS = frozenset({"renditions", "target"})


class ProfileError(ValueError):
    """A profile or rendition is malformed; the message names where and which field."""


@dataclass(frozen=True)
class RenditionSpec:
    """One rendition of a profile: ``name``, normalised ``imgix`` parameters, optional ``fmt``."""

    name: str
    imgix: tuple[tuple[str, str], ...]
    fmt: str | None = None

    def instructions(self) -> dict[str, Any]:
        """Asset Compute rendition instructions (``name``, ``imgix``, ``fmt``), without a target."""
        out: dict[str, Any] = {"name": self.name, "imgix": dict(self.imgix)}
        if self.fmt:
            out["fmt"] = self.fmt
        return out


@dataclass(frozen=True)
class Profile:
    """A named set of renditions and the template of their targets."""

    name: str
    renditions: tuple[RenditionSpec, ...]
    target: str = DEFAULT_TARGET


def check_template(template: Any, where: str) -> str:
    """Return ``template`` if it is a non-empty string using only :data:`TEMPLATE_FIELDS`.

    Raises:
        ProfileError: naming ``where`` and the offending field.
    """
    if not isinstance(template, str) or not template.strip():
        raise ProfileError(f"{where}: Expected a non-empty string for `target` but received {template!r}")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ProfileError(f"{where}: `target` {template!r} is not a valid template ({exc})") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in TEMPLATE_FIELDS or spec or conversion:
            known = ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
            raise ProfileError(f"{where}: unknown placeholder {{{field}}} in `target` {template!r}; known: {known}")
    return template


def _rendition(obj: Any, where: str) -> RenditionSpec:
    if not isinstance(obj, Mapping):
        raise ProfileError(f"{where}: Expected an object for a rendition but received {type(obj).__name__}")
    unknown = sorted(set(obj) - _RENDITION_KEYS)
    if unknown:
        raise ProfileError(f"{where}: unknown field(s) {', '.join(unknown)}; expected name, imgix, fmt")
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or any(c in name for c in "/\\"):
        raise ProfileError(f"{where}: Expected 1-200 characters without '/' or '\\' for `name` but received {name!r}")
    if name in (".", ".."):
        raise ProfileError(f"{where}: `name` may not be {name!r}")
    try:
        params = imgix_params(obj.get("imgix"))
    except InstructionsError as exc:
        raise ProfileError(f"{where}: `imgix`: {exc}") from None
    fmt = obj.get("fmt")
    if fmt is not None and (not isinstance(fmt, str) or fmt.lower() not in FMT_TO_FM):
        raise ProfileError(f"{where}: Expected one of {', '.join(FMT_TO_FM)} for `fmt` but received {fmt!r}")
    return RenditionSpec(name, tuple(params.items()), fmt.lower() if fmt else None)


def parse_profile(name: str, obj: Any, where: str) -> Profile:
    """One profile from its JSON/TOML object ``{"renditions": [...], "target"?: str}``.

    Raises:
        ProfileError: a missing/empty ``renditions`` list, a duplicate rendition name, an unknown
            field or a bad template, naming ``where`` (file or manifest line) and the profile.
    """
    here = f"{where}: profile {name!r}"
    if not isinstance(obj, Mapping):
        raise ProfileError(f"{here}: Expected an object but received {type(obj).__name__}")
    unknown = sorted(set(obj) - _PROFILE_KEYS - {"name"})
    if unknown:
        raise ProfileError(f"{here}: unknown field(s) {', '.join(unknown)}; expected renditions, target")
    items = obj.get("renditions")
    if not isinstance(items, list) or not items:
        raise ProfileError(f"{here}: Expected a non-empty list for `renditions` but received {items!r}")
    renditions = tuple(_rendition(item, f"{here}, rendition {i + 1}") for i, item in enumerate(items))
    seen: set[str] = set()
    for r in renditions:
        if r.name in seen:
            raise ProfileError(f"{here}: rendition name {r.name!r} is used twice")
        seen.add(r.name)
    target = check_template(obj.get("target", DEFAULT_TARGET), here)
    return Profile(name, renditions, target)


def load_profiles(path: str | Path) -> dict[str, Profile]:
    """Profiles from a ``.json`` or ``.toml`` file, by name.

    Raises:
        ProfileError: unreadable file, bad JSON/TOML (with line), or a malformed profile.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{p}: cannot read the profiles file ({exc.strerror})") from None
    try:
        data: Any = tomllib.loads(text) if p.suffix.lower() == ".toml" else json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{p}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{p}: not valid TOML ({exc})") from None
    if isinstance(data, Mapping) and isinstance(data.get("profiles"), Mapping):
        data = data["profiles"]
    if not isinstance(data, Mapping) or not data:
        raise ProfileError(f"{p}: Expected an object of profiles (name -> {{renditions, target}})")
    return {str(name): parse_profile(str(name), obj, str(p)) for name, obj in data.items()}
