"""``imgworker config``: print the resolved configuration (secrets masked) and what is missing.

Exit code 0 when nothing required is missing, 1 otherwise (warnings do not count), 2 when a value
is invalid (e.g. ``IMGWORKER_STAGING_RETENTION_DAYS=-1``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import ValidationError

from imgworker.config import load_settings


def register(subparsers: Any) -> None:
    """Add the ``config`` sub-command."""
    parser = subparsers.add_parser(
        "config",
        help="show the resolved configuration (secrets masked) and what is missing",
        description="Show the configuration read from the environment and .env, secrets masked.",
    )
    parser.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env; missing is fine)")
    parser.add_argument("--json", action="store_true", help="print JSON: {settings, problems}")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the configuration; see the module docstring for the exit code."""
    try:
        settings = load_settings(args.env_file)
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]).upper()
            print(f"invalid {field}: {err['msg']} (got {err.get('input')!r})", file=sys.stderr)
        return 2
    values = settings.masked()
    problems = settings.problems()
    if args.json:
        payload = {
            "settings": values,
            "problems": [{"variable": p.variable, "message": p.message, "required": p.required} for p in problems],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        width = max(len(k) for k in values)
        for name, value in values.items():
            print(f"{name:<{width}}  {'(unset)' if value is None else value}")
        print()
        if not problems:
            print("nothing missing")
        for p in problems:
            print(f"{'missing' if p.required else 'note'}: {p.variable}: {p.message}")
    return 1 if any(p.required for p in problems) else 0
