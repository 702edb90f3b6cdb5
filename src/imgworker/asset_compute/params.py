"""Validation of the activation ``params`` (spec 1.2-1.4; asset-compute-sdk ``lib/validate.js``).

Shapes (pydantic models; unknown keys are kept everywhere):

* ``source``: a URL string, or ``{url, name?, mimetype|mimeType|type?, size? (bytes >= 0), headers?}``;
  absent or null means no source. The URL must be ``https:`` (``http:`` only with
  ``AssetComputeConfig.allow_http``) or a valid ``data:`` URI; in test mode it is a local file name.
* ``renditions``: non-empty array (``null`` entries dropped) of instruction objects: ``target`` (a URL, or
  ``{urls: [URL, ...], minPartSize?, maxPartSize?, multipartHeaders?}``), ``url`` (alias of ``target``),
  ``fmt`` (derived from ``type`` when absent), ``name``, ``embedBinaryLimit`` (int >= 0), custom keys.
* ``userData`` (object), ``requestId`` (string), ``auth`` (``{accessToken, clientId, orgId, ...}``).

Errors, raised before any event (as the reference): a bad source URL -> ``SourceUnsupportedError``
("Invalid or missing https url ..."), a bad data URI -> ``SourceCorruptError``, anything else ->
``GenericError`` with location ``<action>_validate``; each message names the field and the reason.
"""

from __future__ import annotations

import copy
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.datauri import is_data_uri, parse_data_uri
from imgworker.asset_compute.errors import GenericError, SourceCorruptError, SourceUnsupportedError
from imgworker.asset_compute.redact import redact_url

_EXTRA = ConfigDict(extra="allow", coerce_numbers_to_str=True)
#: mime type -> fmt, as the ``mime`` npm package's ``extension()`` (the reference's derivation)
MIME_FMT = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tif",
    "image/avif": "avif",
    "image/bmp": "bmp",
    "image/svg+xml": "svg",
    "application/pdf": "pdf",
    "text/plain": "txt",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}


class SourceSpec(BaseModel):
    """The ``source`` object. ``mimetype`` also accepts ``mimeType`` and ``type``."""

    model_config = _EXTRA
    url: str
    name: str | None = None
    mimetype: str | None = Field(None, validation_alias=AliasChoices("mimetype", "mimeType", "type"))
    size: int | None = Field(None, ge=0)
    headers: dict[str, str] | None = None


class MultipartTarget(BaseModel):
    """AEM direct-binary multipart target; sizes in bytes (checked at upload, spec section 4)."""

    model_config = _EXTRA
    urls: list[str] = Field(min_length=1)
    minPartSize: int | None = None
    maxPartSize: int | None = None
    multipartHeaders: dict[str, str] | None = None


class RenditionSpec(BaseModel):
    """One element of ``renditions``; validated, the raw object is what the callback receives."""

    model_config = _EXTRA
    target: str | MultipartTarget | None = None
    url: str | None = None
    fmt: str | None = None
    type: str | None = None
    name: str | None = None
    embedBinaryLimit: int | None = Field(None, ge=0)


class AuthSpec(BaseModel):
    """``auth``: I/O Events credentials, or webhook mode (``isServiceAccount`` + ``webhookUrl``)."""

    model_config = _EXTRA
    accessToken: str | None = None
    clientId: str | None = None
    orgId: str | None = None
    orgName: str | None = None
    appName: str | None = None
    isServiceAccount: bool = False
    webhookUrl: str | None = None


class ActivationParams(BaseModel):
    """The whole ``params`` object."""

    model_config = _EXTRA
    source: SourceSpec | None = None
    renditions: list[RenditionSpec | None]
    userData: dict[str, Any] | None = None
    requestId: str | None = None
    auth: AuthSpec | None = None
    hmacPrivateKey: str | None = None
    customWorker: bool = False

    @field_validator("source", mode="before")
    @classmethod
    def _source_string(cls, value: Any) -> Any:
        return {"url": value} if isinstance(value, str) else value


@dataclass
class ValidatedRequest:
    """Result of :func:`validate_params`: ``params`` is the (copied, normalised) dict handed to callbacks;
    ``instructions`` are the renditions with ``target`` normalised and ``fmt`` derived; ``url_alias[i]`` is
    True when rendition i's target came from ``url``."""

    params: dict[str, Any]
    model: ActivationParams
    instructions: list[dict[str, Any]]
    url_alias: list[bool]

    @property
    def source(self) -> SourceSpec | None:
        return self.model.source

    @property
    def request_id(self) -> str | None:
        return self.model.requestId


_TAGS = {"str", "int", "bool", "none", "MultipartTarget", "RenditionSpec", "SourceSpec", "AuthSpec"}


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, str) and (part in _TAGS or part.startswith("function-")):
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def is_local(url: str) -> bool:
    """A local path or ``file://`` URL (not ``data:``, not another scheme)."""
    return not is_data_uri(url) and ("://" not in url or url.lower().startswith("file://"))


def local_path(url: str) -> Path:
    """The file a local source/target names (``file://`` URLs are percent-decoded)."""
    if url.lower().startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    return Path(url)


def _url_ok(url: str, config: AssetComputeConfig) -> bool:
    lower = url.lower()
    if config.local_files and is_local(url):
        return True
    return lower.startswith("https://") or (config.allow_http and lower.startswith("http://"))


def derive_fmt(instructions: dict[str, Any]) -> str | None:
    """``fmt``, else the extension of ``type`` (``image/png`` -> ``png``), else None."""
    fmt = instructions.get("fmt")
    if isinstance(fmt, str) and fmt:
        return fmt
    mime = instructions.get("type")
    if isinstance(mime, str) and mime:
        base = mime.split(";")[0].strip().lower()
        ext = MIME_FMT.get(base) or mimetypes.guess_extension(base)
        return ext.lstrip(".") if ext else None
    return None


def validate_params(raw: Any, config: AssetComputeConfig, action: str = "worker") -> ValidatedRequest:
    """Validate and normalise ``raw``; raises the SDK error classes described in the module docstring."""
    location = f"{action}_validate"
    if not isinstance(raw, dict):
        raise GenericError("'params' is not an object.", location)
    renditions = raw.get("renditions")
    if not isinstance(renditions, list):
        raise GenericError("'renditions' is not an array.", location)
    try:
        model = ActivationParams.model_validate(raw)
    except ValidationError as exc:
        first = max(exc.errors(), key=lambda e: len(e["loc"]))  # the most specific union branch
        field = _field(tuple(first["loc"]))
        cls = SourceUnsupportedError if field.startswith("source") else None
        message = f"{field}: {first['msg']}"
        raise (cls(message) if cls else GenericError(message, location)) from None
    if model.source is not None and not config.test_mode:
        url = model.source.url
        if is_data_uri(url):
            try:
                parse_data_uri(url)
            except ValueError:
                raise SourceCorruptError(f"Invalid or missing data url {redact_url(url)}") from None
        elif not _url_ok(url, config):
            raise SourceUnsupportedError(f"Invalid or missing https url {redact_url(url)}")
    params = copy.copy(raw)
    items = [copy.deepcopy(r) for r in renditions if r is not None]
    if not items:
        raise GenericError("'renditions' array is empty.", location)
    url_alias = []
    for i, instr in enumerate(items):
        url_alias.append(not instr.get("target") and bool(instr.get("url")))
        if url_alias[-1]:
            instr["target"] = instr["url"]
        _check_target(i, instr.get("target"), config, location)
        if not instr.get("fmt") and (fmt := derive_fmt(instr)):
            instr["fmt"] = fmt
    params["renditions"] = items
    params.setdefault("times", {})
    return ValidatedRequest(params, model, items, url_alias)


def _check_target(i: int, target: Any, config: AssetComputeConfig, location: str) -> None:
    if config.test_mode:
        return
    if isinstance(target, str):
        if not _url_ok(target, config):
            raise GenericError(f"rendition[{i}].target is not a valid https url", location)
    elif isinstance(target, dict):
        for k, url in enumerate(target.get("urls") or []):
            if not isinstance(url, str) or not _url_ok(url, config):
                raise GenericError(f"rendition[{i}].target.urls[{k}] is not a valid https url", location)
    else:
        raise GenericError(f"rendition[{i}].target is neither a string nor an object", location)
