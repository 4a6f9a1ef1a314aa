"""The command line, for scripted use and for checking the core without the UI.

Every subcommand prints its result on stdout (JSON or CSV). Any bad input
gives one line on stderr starting with ``error:`` and exit code 2.

Examples
--------
::

    python -m kpi_core inspect sample_data/nordlys_marketing.xlsx
    python -m kpi_core kpis export.csv --map "Besøk=sessions" --period quarter --by channel
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import polars as pl

from kpi_core.compute import PERIODS, kpi_frame
from kpi_core.ingest import LoadedTable, load_path
from kpi_core.issues import InputError
from kpi_core.mapping import (
    apply_mapping,
    parse_map_options,
    resolve_mapping,
    suggest_mapping,
    validate_mapping,
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports misuse in the house format: one ``error:`` line, exit 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message} (see: python -m kpi_core --help)\n")
        raise SystemExit(2)


def _parser() -> _Parser:
    parser = _Parser(prog="python -m kpi_core", description="KPI Kompas on the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def file_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("file", help="an .xlsx, .xlsm, .xls, .ods, .csv, .tsv or .txt file")
        p.add_argument("--sheet", help="the sheet to read (default: the one holding the data)")

    p = sub.add_parser("inspect", help="how the file is read and mapped (JSON)")
    file_args(p)

    p = sub.add_parser("kpis", help="KPIs per period (and channel)")
    file_args(p)
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="map a column to a canonical field, overriding the suggestion; FIELD none unmaps",
    )
    p.add_argument("--period", choices=PERIODS, default="month")
    p.add_argument("--by", choices=["channel", "campaign"], help="one row per period and value")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    return parser


def _load(args: argparse.Namespace) -> LoadedTable:
    path = Path(args.file)
    if not path.is_file():
        raise InputError(f"There is no file ‘{args.file}’.")
    return load_path(path, sheet=args.sheet)


def _inspect(args: argparse.Namespace) -> dict:
    table = _load(args)
    suggestions = suggest_mapping(table.kinds)
    return {
        "file": table.source,
        "format": table.file_format,
        "sheets": [s.name for s in table.sheets if s.name],
        "sheet": table.sheet,
        "header_row": table.header_row,
        "layout": table.layout,
        "rows": table.rows,
        "columns": [
            {
                "name": s.column,
                "kind": table.kinds[s.column],
                "field": s.field,
                "confidence": round(s.confidence, 2),
            }
            for s in suggestions
        ],
        "excluded_rows": [{"row": r.row, "reason": r.reason} for r in table.excluded_rows],
        "issues": [
            {"level": i.level, "column": i.field, "message": i.message, "count": i.count}
            for i in table.issues
        ],
    }


def _kpis(args: argparse.Namespace) -> pl.DataFrame:
    table = _load(args)
    mapping = resolve_mapping(table.kinds, parse_map_options(args.map))
    errors = [i.message for i in validate_mapping(mapping, table.kinds) if i.level == "error"]
    if errors:
        raise InputError(f"{table.source}: {' '.join(errors)}")
    data = apply_mapping(table.frame, mapping)
    by = [args.by] if args.by else []
    kf = kpi_frame(data, period=args.period, by=by)
    return kf.drop("period_start", "period_end", "complete", "days", strict=False)


def _emit(result: dict | pl.DataFrame, fmt: str) -> None:
    if isinstance(result, pl.DataFrame):
        if fmt == "json":
            json.dump(result.to_dicts(), sys.stdout, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(result.write_csv())
    else:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "inspect":
            _emit(_inspect(args), "json")
        elif args.command == "kpis":
            _emit(_kpis(args), args.format)
    except InputError as err:
        message = " ".join(str(err).split())
        sys.stderr.write(f"error: {message}\n")
        return 2
    except BrokenPipeError:
        # The reader stopped early (``| head``): not an error; keep Python's exit quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
