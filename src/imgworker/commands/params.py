"""``imgworker params``: the imgix parameter table with what the embedded renderer implements.

    imgworker params [--category size] [--missing] [--json]

Columns: parameter, aliases, category, type/range, default, tier (1 must, 2 should, 3 nice, X out of
scope), implemented. Source of the table: imgix's parameter schema (``imgix/imgix-url-params``).
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from imgworker.render.params.coverage import IMPLEMENTED
from imgworker.render.params.table import PARAMETERS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("params", help="list imgix parameters and which ones the renderer implements",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--category", help="only this category (size, format, adjustment, ...)")
    p.add_argument("--missing", action="store_true", help="only parameters not implemented")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    rows = [p for p in PARAMETERS if (not args.category or p.category == args.category)]
    if args.missing:
        rows = [p for p in rows if p.name not in IMPLEMENTED]
    if args.json:
        print(json.dumps([{"name": p.name, "aliases": list(p.aliases), "category": p.category, "type": p.type_expr,
                           "default": p.default, "tier": p.tier, "implemented": p.name in IMPLEMENTED}
                          for p in rows], indent=1))  # fmt: skip
        return 0
    table = Table(title="imgix parameters")
    for col in ("parameter", "aliases", "category", "type / range", "default", "tier", "implemented"):
        table.add_column(col)
    for p in rows:
        mark = "[green]yes[/]" if p.name in IMPLEMENTED else ("[dim]out of scope[/]" if p.tier == "X" else "[red]no[/]")
        table.add_row(p.name, ", ".join(p.aliases), p.category, p.type_expr, p.default or "", p.tier, mark)
    console = Console()
    console.print(table)
    done = sum(p.name in IMPLEMENTED for p in PARAMETERS)
    tiers = {t: [p for p in PARAMETERS if p.tier.startswith(t)] for t in ("1", "2", "3", "X")}
    summary = ", ".join(f"tier {t}: {sum(p.name in IMPLEMENTED for p in ps)}/{len(ps)}" for t, ps in tiers.items())
    console.print(f"{done}/{len(PARAMETERS)} implemented ({summary})")
    return 0
