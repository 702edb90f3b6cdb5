"""``imgworker aem-sim``: play AEM around a job, against Azurite or a real Azure account.

::

    imgworker aem-sim prepare photo.jpg -r 'thumb.jpg={"w":300,"h":300,"fit":"crop"}' -o request.json
    imgworker run request.json                     # the worker (another command)
    imgworker aem-sim verify request.json          # commit the block uploads, check the renditions

``prepare`` uploads the file into the source container (``AZURE_STORAGE_CONTAINER_NAME``, default
``source``) of the ``AZURE_STORAGE_*`` account, and writes a request whose ``source`` is a read SAS
URL and whose rendition targets are multipart Put Block SAS URLs into the ``renditions`` container.
With no Azure account configured it uses Azurite's development account on 127.0.0.1:10000.
``--source-store``/``--rendition-store`` take any store URL (``s3://bucket``, a folder). The
source, renditions and staging (``IMGWORKER_STAGING_STORE``) containers or buckets are created if
missing, so an empty Azurite or moto works at once.
See docs/storage.md and :mod:`imgworker.storage.aem_sim`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from imgworker.config import Settings, load_settings
from imgworker.storage import MultipartStore, StoreError, open_store
from imgworker.storage.aem_sim import DEFAULT_PART_COUNT, DEFAULT_RENDITIONS, prepare, verify

RENDITIONS_CONTAINER = "renditions"


def register(subparsers: Any) -> None:
    """Add ``aem-sim prepare`` and ``aem-sim verify``."""
    parser = subparsers.add_parser(
        "aem-sim",
        help="play AEM: upload a source, write a request with SAS targets, verify the renditions",
        description="Play AEM's part of an Asset Compute job against Azurite or Azure (docs/storage.md).",
    )
    parser.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    sub = parser.add_subparsers(dest="aem_sim_command", metavar="STEP", required=True)

    p = sub.add_parser("prepare", help="upload FILE and write the Asset Compute request JSON")
    p.add_argument("file", type=Path, help="the source image")
    p.add_argument(
        "-r",
        "--rendition",
        action="append",
        default=[],
        metavar="NAME[=IMGIX_JSON]",
        help="a rendition, e.g. thumb.jpg='{\"w\":300}' (repeatable; default: thumbnail.jpg w=320)",
    )
    p.add_argument("--renditions", type=Path, help="JSON file with a list of rendition objects")
    p.add_argument("-o", "--output", type=Path, help="write the request here (default: stdout)")
    p.add_argument("--parts", type=int, default=DEFAULT_PART_COUNT, help="URLs per multipart target (default 10)")
    p.add_argument("--min-part-size", type=int, help="minPartSize in bytes (default: the store's)")
    p.add_argument("--max-part-size", type=int, help="maxPartSize in bytes (default: the store's)")
    p.add_argument("--single-put", action="store_true", help="one presigned PUT URL per rendition instead")
    p.add_argument("--expires", type=int, default=3600, help="URL lifetime in seconds (default 3600)")
    p.add_argument("--source-store", help="store URL for the source (default: azure://<AZURE_STORAGE_CONTAINER_NAME>)")
    p.add_argument("--rendition-store", help=f"store URL for renditions (default: azure://{RENDITIONS_CONTAINER})")
    p.set_defaults(func=run_prepare)

    v = sub.add_parser("verify", help="commit the uploads and check the renditions of REQUEST")
    v.add_argument("request", type=Path, help="the request JSON written by prepare")
    v.add_argument("--expect-failed", action="append", default=[], metavar="NAME", help="must be absent")
    v.add_argument("--no-commit", action="store_true", help="do not complete the multipart uploads")
    v.add_argument("--json", action="store_true", help="print the checks as JSON")
    v.set_defaults(func=run_verify)


def _settings(env_file: str, *urls: str | None) -> Settings:
    """Settings; Azurite's development account when an ``azure://`` store is used and none is configured."""
    settings = load_settings(env_file)
    wants_azure = any(u is None or u.startswith("azure://") for u in urls)
    if wants_azure and settings.azure_account("source") is None:
        print("aem-sim: no Azure account configured; using Azurite on 127.0.0.1:10000", file=sys.stderr)
        settings = load_settings(env_file, azure_storage_connection_string="UseDevelopmentStorage=true")
    return settings


def _open(url: str, settings: Settings) -> MultipartStore:
    return _open_create(open_store(url, settings, role="source"))


def _create_staging(settings: Settings) -> None:
    """Create the staging container/bucket too (an empty Azurite has none); a failure is only a note."""
    url = settings.staging_store_url
    if not url.startswith(("azure://", "s3://")):
        return
    try:
        _open_create(open_store(url, settings, role="imgix"))
    except (StoreError, ValueError) as exc:
        print(f"aem-sim: could not create the staging store {url}: {exc}", file=sys.stderr)


def _open_create(store: MultipartStore) -> MultipartStore:
    create = getattr(store, "create", None)
    if callable(create):
        create()
    return store


def _renditions(args: argparse.Namespace) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if args.renditions:
        loaded = json.loads(args.renditions.read_text(encoding="utf-8"))
        if not isinstance(loaded, list):
            raise ValueError(f"Expected a JSON list of renditions in {args.renditions}")
        out.extend(loaded)
    for item in args.rendition:
        name, sep, imgix = item.partition("=")
        rendition: dict[str, Any] = {"name": name, "fmt": os.path.splitext(name)[1].lstrip(".").lower() or None}
        if sep:
            rendition["imgix"] = json.loads(imgix)
        out.append({k: v for k, v in rendition.items() if v is not None})
    return out or [dict(r) for r in DEFAULT_RENDITIONS]


def run_prepare(args: argparse.Namespace) -> int:
    """Upload the source and write the request; 0 on success, 1 on a store or input error."""
    try:
        settings = _settings(args.env_file, args.source_store, args.rendition_store)
        source = _open(args.source_store or f"azure://{settings.azure_storage_container_name}", settings)
        renditions_store = _open(args.rendition_store or f"azure://{RENDITIONS_CONTAINER}", settings)
        _create_staging(settings)
        request = prepare(
            source,
            renditions_store,
            args.file,
            _renditions(args),
            part_count=args.parts,
            min_part_size=args.min_part_size,
            max_part_size=args.max_part_size,
            single_put=args.single_put,
            expires_in=args.expires,
        )
    except (StoreError, ValueError, OSError) as exc:
        print(f"aem-sim prepare: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(request, indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"aem-sim: {args.file.name} -> {source.url}; request written to {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Commit and check every rendition; 0 when all pass, 1 otherwise."""
    try:
        request = json.loads(args.request.read_text(encoding="utf-8"))
        store_url = request["userData"]["aemSim"]["renditionStore"]
        store = open_store(store_url, _settings(args.env_file, store_url), role="source")
        checks = verify(request, store, expect_failed=args.expect_failed, commit=not args.no_commit)
    except (StoreError, ValueError, OSError, KeyError, TypeError) as exc:
        print(f"aem-sim verify: {exc}", file=sys.stderr)
        return 1
    if args.json:
        rows = [{k: v for k, v in vars(c).items() if k != "data"} for c in checks]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for c in checks:
            status = "ok  " if c.ok else "FAIL"
            if c.expected_failure:
                detail = "absent, as expected" if c.ok else str(c.problem)
            elif c.size is None:
                detail = str(c.problem)
            else:
                detail = f"{c.format} {c.width}x{c.height} {c.size} B" + (f" ({c.problem})" if c.problem else "")
            print(f"{status} {c.name}: {detail}  [{store_url}/{c.key}]")
    return 0 if checks and all(c.ok for c in checks) else 1
