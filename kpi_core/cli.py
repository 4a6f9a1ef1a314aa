"""The command line, for scripted use and for checking the core without the UI.

Every subcommand prints its result on stdout (JSON or CSV). Any bad input
gives one line on stderr starting with ``error:`` and exit code 2.

Examples
--------
::

    python -m kpi_core inspect sample_data/nordlys_marketing.xlsx
    python -m kpi_core kpis export.csv --map "Besøk=sessions" --period quarter --by channel
    python -m kpi_core goalseek sample_data/nordlys_marketing.xlsx --revenue 60e6 --period 2027 \
        --rate "traffic_to_lead=1.6%"

``goalseek`` works back from a revenue target for one year through the funnel
at today's rates (the latest 12 complete months of the file; change one with
``--rate NAME=VALUE``) and prints, per month, the revenue, customers, SQLs,
MQLs, leads and sessions the target needs (the stages the file has) beside
today's monthly averages (``current_<stage>``). Numbers are unrounded.

``report`` writes a report a business owner can read and forward (the
scorecard, funnel, leading vs lagging, benchmarks, targets and pacing, the
change log, the assumptions and the charts) as an Excel workbook (``.xlsx``),
a print-ready HTML page (``.html``; print it to PDF from a browser) or the
charts as PNG images (``.zip``), and prints what it wrote (JSON). With
``--workspace`` (a file made by ``workspace export``) the targets, competitors,
own benchmark figures, KPI selection, leading/lagging tags and change log come
from the workspace; without FILE, the workspace's active data file is used::

    python -m kpi_core report sample_data/nordlys_marketing.xlsx --out report.html
    python -m kpi_core report --workspace client.kkw --period quarter --out report.xlsx

``workspace list``, ``workspace export NAME --out FILE`` and ``workspace import
FILE [--name NAME]`` work on the workspaces of the app's database
(``$KPI_KOMPAS_HOME/kompas.sqlite3``, else the per-user data folder); NAME is a
workspace's name or id.

Text in CSV output that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a
leading ``'``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import polars as pl

from kpi_core import export, plan
from kpi_core.abtest import compare as compare_variants
from kpi_core.abtest import parse_variant, result_dict
from kpi_core.benchmarks import benchmark_report, competitors_long
from kpi_core.catalogue import KPIS
from kpi_core.compute import PERIODS, kpi_frame
from kpi_core.customers import (
    CustomerColumns,
    monthly,
    order_frame,
    suggest_customer_columns,
    summarize,
    to_contact,
    validate,
)
from kpi_core.i18n import CURRENCIES, DEFAULT_CURRENCY, LANGUAGES, Msg, t
from kpi_core.ingest import LoadedTable, load_path, load_table
from kpi_core.ingest.values import parse_numbers
from kpi_core.issues import InputError
from kpi_core.lead_lag import leadlag_report
from kpi_core.leads import funnel_report
from kpi_core.mapping import (
    apply_mapping,
    parse_map_options,
    resolve_mapping,
    suggest_mapping,
    validate_mapping,
)
from kpi_core.satisfaction import (
    SurveyColumns,
    csat_monthly,
    nps_monthly,
    score_of,
    score_table,
    suggest_survey_columns,
    validate_survey,
)
from kpi_core.scorecard import default_period
from kpi_core.store import Store, StoredFile, Workspace, read_export
from kpi_core.targets import period_bounds

#: The language of messages when no ``--lang`` is given.
LANG_ENV = "KPI_KOMPAS_LANG"


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

    def map_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="map a column to a canonical field, overriding the suggestion; FIELD none unmaps",
        )

    p = sub.add_parser("kpis", help="KPIs per period (and channel)")
    file_args(p)
    map_option(p)
    p.add_argument("--period", choices=PERIODS, default="month")
    p.add_argument("--by", choices=["channel", "campaign"], help="one row per period and value")
    p.add_argument("--format", choices=["csv", "json"], default="csv")

    p = sub.add_parser("funnel", help="stage counts and conversion (CRM exports: time to convert)")
    p.add_argument(
        "file", help="a marketing export (sums per day) or a CRM export (one row per lead)"
    )
    p.add_argument("file2", nargs="?", help="a second lead-level file (e.g. closed deals)")
    p.add_argument("--sheet", help="the sheet to read in FILE (default: the one holding the data)")
    map_option(p)
    p.add_argument("--join-on", metavar="COLUMN", help="the id column that joins FILE and FILE2")
    p.add_argument("--by", choices=["channel"], help="one block per channel")
    p.add_argument("--format", choices=["csv", "json"], default="json")

    p = sub.add_parser(
        "leadlag", help="which leading KPIs move a lagging one, how far ahead (JSON)"
    )
    file_args(p)
    map_option(p)
    p.add_argument("--lagging", required=True, metavar="KPI", help="e.g. revenue or customers")
    p.add_argument("--leading", nargs="+", metavar="KPI", help="default: every leading KPI")
    p.add_argument("--period", choices=["month", "quarter"], default="month")
    p.add_argument("--max-lag", type=int, default=6, metavar="N", help="periods ahead to test")

    p = sub.add_parser("benchmark", help="your KPIs against competitors and published figures")
    file_args(p)
    map_option(p)
    p.add_argument("--competitors", metavar="FILE", help="one row per competitor, KPI columns")
    p.add_argument("--industry", help="e.g. 'Real Estate' (default: all industries)")
    p.add_argument("--region", help="e.g. 'USA-centred' or 'Nordics'")
    p.add_argument("--period", choices=PERIODS, default="year", help="whose latest value")
    p.add_argument("--format", choices=["csv", "json"], default="csv")

    p = sub.add_parser(
        "goalseek", help="what a revenue target needs per month: customers, SQLs … sessions"
    )
    file_args(p)
    map_option(p)
    p.add_argument("--revenue", required=True, metavar="TARGET", help="e.g. 60000000 or 60e6")
    p.add_argument("--period", required=True, metavar="YEAR", help="the year of the target")
    p.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change one of today's rates or values, e.g. lead_to_mql=55%% or aov=50000",
    )
    p.add_argument(
        "--split",
        choices=["seasonal", "even"],
        default="seasonal",
        help="share the target over the months like last year's revenue, or evenly",
    )
    p.add_argument("--format", choices=["csv", "json"], default="csv")

    p = sub.add_parser(
        "report",
        help="a report to read and forward: .xlsx, print-ready .html, or the charts as .zip",
    )
    p.add_argument(
        "file",
        nargs="?",
        help="the data file (default with --workspace: the workspace's active file)",
    )
    p.add_argument("--sheet", help="the sheet to read (default: the one holding the data)")
    map_option(p)
    p.add_argument(
        "--workspace",
        metavar="EXPORTFILE",
        help="a workspace file (from 'workspace export'): targets, competitors, benchmarks, "
        "KPI selection and change log",
    )
    p.add_argument("--period", choices=PERIODS, help="default: month, or the kind of --at")
    p.add_argument("--at", metavar="LABEL", help="the period to report, e.g. 2026-10 or 2026-Q3")
    p.add_argument("--channel", help="limit every figure to one channel")
    p.add_argument("--industry", help="published benchmark figures for this industry")
    p.add_argument("--title", help="the report's title")
    p.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="report.xlsx, report.html or charts.zip (for a PDF, print the .html from a browser)",
    )

    def role_args(p: argparse.ArgumentParser, what: str, roles: str) -> None:
        p.add_argument("file", help=what)
        p.add_argument("--sheet", help="the sheet to read (default: the one holding the data)")
        p.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=ROLE",
            help=f"use COLUMN as ROLE: {roles}",
        )

    p = sub.add_parser("customers", help="retention, lifetime value and a call list (JSON)")
    role_args(
        p,
        "an order export: customer id, order date, amount",
        "customer, date, amount, channel, name or last_contact",
    )
    p.add_argument(
        "--inactive-months",
        type=int,
        default=3,
        metavar="N",
        help="no order or contact for more than N months: lost, and on the call list (3)",
    )
    p = sub.add_parser("nps", help="NPS (0-10) or CSAT (1-5) per month, with intervals (JSON)")
    role_args(p, "survey answers: a date and a score per row", "date, score or customer")
    p.add_argument("--scale", choices=["nps", "csat"], default="nps")
    p = sub.add_parser("abtest", help="compare variants' conversion rates (JSON)")
    p.add_argument(
        "--variant",
        action="append",
        required=True,
        metavar="NAME:VISITORS:CONVERSIONS",
        help="one per variant, the control first (e.g. A:4200:61)",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (0.05)")
    p = sub.add_parser("workspace", help="list, export and import the app's workspaces")
    ws = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    w = ws.add_parser("list", help="the workspaces in the database")
    w.add_argument("--format", choices=["csv", "json"], default="csv")
    w = ws.add_parser("export", help="write one workspace to a file")
    w.add_argument("name", metavar="NAME", help="the workspace's name or id")
    w.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    w = ws.add_parser("import", help="add a workspace from a file made by 'workspace export'")
    w.add_argument("file", metavar="FILE")
    w.add_argument("--name", help="the new workspace's name (default: the exported one)")
    for command in [*sub.choices.values(), *ws.choices.values()]:
        _language_args(command)
    return parser


def _language_args(p: argparse.ArgumentParser) -> None:
    """``--lang`` and ``--currency``, accepted after any command."""
    p.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=os.environ.get(LANG_ENV) if os.environ.get(LANG_ENV) in LANGUAGES else "en",
        help=f"the language of messages and reports (default: ${LANG_ENV}, else en)",
    )
    p.add_argument(
        "--currency",
        choices=CURRENCIES,
        help="the currency of the file's amounts, for reports (default: the workspace's, else "
        f"{DEFAULT_CURRENCY})",
    )


def _load(
    args: argparse.Namespace, name: str | None = None, sheet: str | None = None
) -> LoadedTable:
    path = Path(name or args.file)
    if not path.is_file():
        raise InputError.of("cli.no_file", path=str(path))
    return load_path(path, sheet=sheet if name else args.sheet)


def _roles(options: Sequence[str], allowed: Sequence[str], columns: Sequence[str]) -> dict:
    """``COLUMN=ROLE`` options as role -> column, each checked against the file."""
    out: dict[str, str] = {}
    for option in options:
        column, sep, role = option.rpartition("=")
        if not sep or not column:
            raise InputError.of("cli.map_form", option=option)
        if role not in allowed:
            raise InputError.of("cli.map_role", option=option, roles=", ".join(allowed))
        if column not in columns:
            raise InputError.of("cli.map_column", option=option, column=column)
        out[role] = column
    return out


def _customers(args: argparse.Namespace) -> dict:
    table = _load(args)
    roles = _roles(args.map, CustomerColumns.__dataclass_fields__, list(table.kinds))
    suggested = {} if {"customer", "date"} <= set(roles) else None
    if suggested is None:
        suggested = suggest_customer_columns(table.kinds).roles()
    cols = CustomerColumns(**{**suggested, **roles})
    issues = validate(table.frame, cols, locale=args.lang)
    orders = order_frame(table.frame, cols)
    if orders.is_empty():
        raise InputError.of("cli.no_orders", file=table.source)
    summary = summarize(orders, inactive_months=args.inactive_months, locale=args.lang)
    calls = to_contact(orders, inactive_months=args.inactive_months, today=summary.as_of)
    plain = {
        k: v for k, v in summary.__dict__.items() if not isinstance(v, tuple) and not callable(v)
    }
    return {
        "file": table.source,
        "columns": cols.roles(),
        "summary": plain,
        "findings": list(summary.sentences),
        "monthly": monthly(orders, inactive_months=args.inactive_months)
        .drop("period_start")
        .to_dicts(),
        "to_contact": calls.to_dicts(),
        "issues": [{"level": i.level, "message": i.text(args.lang)} for i in issues],
    }


def _nps(args: argparse.Namespace) -> dict:
    table = _load(args)
    roles = _roles(args.map, SurveyColumns.__dataclass_fields__, list(table.kinds))
    if {"date", "score"} <= set(roles):
        cols = SurveyColumns(**roles)
    else:
        suggested = suggest_survey_columns(table.kinds, scale=args.scale)
        cols = SurveyColumns(**{**suggested.__dict__, **roles})
    issues = validate_survey(table.frame, cols, scale=args.scale, locale=args.lang)
    overall = score_of(table.frame, cols, scale=args.scale, locale=args.lang)
    per_month = (nps_monthly if args.scale == "nps" else csat_monthly)(table.frame, cols)
    return {
        "file": table.source,
        "scale": args.scale,
        "score": score_table([overall]).to_dicts()[0],
        "finding": overall.sentence,
        "monthly": per_month.drop("period_start", strict=False).to_dicts(),
        "issues": [{"level": i.level, "message": i.text(args.lang)} for i in issues],
    }


def _abtest(args: argparse.Namespace) -> dict:
    if not 0 < args.alpha < 1:
        raise InputError.of("cli.alpha")
    variants = [parse_variant(v) for v in args.variant]
    return dict(result_dict(compare_variants(variants, alpha=args.alpha, locale=args.lang)))


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
            {"level": i.level, "column": i.field, "message": i.text(args.lang), "count": i.count}
            for i in table.issues
        ],
    }


def _kpis(args: argparse.Namespace) -> pl.DataFrame:
    table = _load(args)
    mapping = resolve_mapping(table.kinds, parse_map_options(args.map))
    _check_mapping(mapping, table, args)
    data = apply_mapping(table.frame, mapping)
    by = [args.by] if args.by else []
    kf = kpi_frame(data, period=args.period, by=by)
    return kf.drop("period_start", "period_end", "complete", "days", strict=False)


def _funnel(args: argparse.Namespace) -> dict | pl.DataFrame:
    table = _load(args)
    deals = _load(args, args.file2) if args.file2 else None
    if deals is None and args.join_on:
        raise InputError.of("cli.join_on")
    overrides = parse_map_options(args.map)
    mapping = resolve_mapping(table.kinds, overrides) if overrides else None
    report = funnel_report(
        table.frame,
        kinds=table.kinds,
        deals=deals.frame if deals is not None else None,
        join_on=args.join_on,
        by=args.by,
        mapping=mapping,
        locale=args.lang,
    )
    stages = report.stages.drop("note", strict=False)
    if args.format == "csv":
        return stages
    notes = [i.text(args.lang) for i in report.issues]
    head = {"file": table.source, "level": report.level, "as_of": report.as_of}
    if args.by:
        blocks = [
            {args.by: key[0], "stages": part.drop(args.by).to_dicts()}
            for key, part in stages.group_by(args.by, maintain_order=True)
        ]
        return {**head, "by": args.by, "blocks": blocks, "notes": notes}
    return {
        **head,
        "traffic_to_lead": report.traffic_to_lead,
        "lead_to_customer": report.lead_to_customer,
        "stages": stages.to_dicts(),
        "notes": notes,
    }


def _leadlag(args: argparse.Namespace) -> dict:
    if not 0 <= args.max_lag <= 24:
        raise InputError.of("cli.max_lag", lag=str(args.max_lag))
    table = _load(args)
    mapping = resolve_mapping(table.kinds, parse_map_options(args.map))
    data = apply_mapping(table.frame, mapping)
    kf = kpi_frame(data, period=args.period)
    report = leadlag_report(
        kf,
        lagging=args.lagging,
        leading=args.leading,
        max_lag=args.max_lag,
        locale=args.lang,
    )
    return {"file": table.source, "period": args.period, **report}


def _benchmark(args: argparse.Namespace) -> pl.DataFrame:
    table = _load(args)
    data = apply_mapping(table.frame, resolve_mapping(table.kinds, parse_map_options(args.map)))
    kf = kpi_frame(data, period=args.period)
    row = kf.filter(pl.col("period") == default_period(kf)).row(0, named=True)
    ours = {k: row[k] for k in KPIS if k in kf.columns}
    competitors = None
    if args.competitors:
        sheet = _load(args, args.competitors)
        names = {k.name.lower(): k.id for k in KPIS.values()} | {k: k for k in KPIS}
        names |= {k.label(args.lang).lower(): k.id for k in KPIS.values()}
        columns = {c: names[c.strip().lower()] for c in sheet.kinds if c.strip().lower() in names}
        name_column = next((c for c, kind in sheet.kinds.items() if kind in ("text", "id")), None)
        if name_column is None or not columns:
            raise InputError.of("cli.competitors", file=sheet.source)
        competitors = competitors_long(sheet.frame, name_column=name_column, kpi_columns=columns)
    return benchmark_report(
        ours,
        competitors=competitors,
        industry=args.industry,
        region=args.region,
        currency=DEFAULT_CURRENCY,
    )


#: The stages ``goalseek`` prints, revenue first, down the funnel.
GOALSEEK_COLUMNS: tuple[str, ...] = ("revenue", "customers", "sqls", "mqls", "leads", "sessions")


def _number(text: str) -> tuple[float, bool] | None:
    """``text`` as a number and whether it was a percentage; ``None`` when it is not one.

    ``1,234.5`` is tried before ``1.234,5``, so ``55e6``, ``55,000,000`` and
    ``55.000.000`` all read as 55 million; ``5%`` and ``5 %`` read as 0.05.
    """
    for decimal in (".", ","):
        parsed = parse_numbers(pl.Series([text.strip()]), decimal=decimal)
        value = parsed.values[0]
        if value is not None:
            return float(value), parsed.percent > 0
    return None


def _goalseek(args: argparse.Namespace) -> dict | pl.DataFrame:
    revenue = _number(args.revenue)
    if revenue is None or revenue[1] or not 0 < revenue[0] < float("inf"):
        raise InputError.of("cli.revenue", revenue=args.revenue)
    kind = period_bounds(args.period)[0]
    if kind != "year":
        raise InputError.of("cli.not_year", period=args.period, kind=Msg.of(f"cli.kind.{kind}"))
    rates: list[tuple[str, str, float, bool]] = []
    for option in args.rate:
        name, sep, text = option.partition("=")
        number = _number(text) if sep else None
        if not sep or not name.strip() or number is None:
            raise InputError.of("cli.rate_form", option=option)
        rates.append((option, name.strip(), *number))
    table = _load(args)
    mapping = resolve_mapping(table.kinds, parse_map_options(args.map))
    _check_mapping(mapping, table, args)
    kf = kpi_frame(apply_mapping(table.frame, mapping), period="month", parts=True)
    start, end = plan.baseline_window(kf)
    try:
        assumptions = plan.assumptions_from(kf, start=start, end=end)
    except InputError as err:
        raise InputError.of("cli.in", where=table.source, error=err.inner()) from None
    for option, name, value, percent in rates:
        if (
            percent
            and name in dict(assumptions.values)
            and assumptions.lever(name).unit != "percent"
        ):
            raise InputError.of("cli.rate_share", option=option, name=name)
        try:
            assumptions = assumptions.set(name, value)
        except InputError as err:
            raise InputError.of("cli.in", where=f"--rate ‘{option}’", error=err.inner()) from None
    months = plan.months_of(args.period)
    weights = plan.revenue_weights(kf, months) if args.split == "seasonal" else None
    result = plan.goal_seek(revenue[0], assumptions, months=months, weights=weights)
    if args.split == "seasonal" and weights is None:
        sys.stderr.write(
            "note: the file has no complete year of revenue by month to follow, "
            "so the target is shared evenly over the months.\n"
        )
    shown = [c for c in GOALSEEK_COLUMNS if c in result.monthly.columns]
    today = plan.monthly_averages(kf, start=start, end=end)
    monthly = result.monthly.select(
        "period",
        *shown,
        *(pl.lit(today.get(c), dtype=pl.Float64).alias(f"current_{c}") for c in shown),
    )
    if args.format == "csv":
        return monthly
    return {
        "file": table.source,
        "period": args.period.strip(),
        "revenue": revenue[0],
        "split": "seasonal" if weights is not None else "even",
        "baseline": {"start": start, "end": end},
        "assumptions": dict(assumptions.values),
        "months": monthly.to_dicts(),
    }


def _check_mapping(mapping: dict[str, str], table: LoadedTable, args: argparse.Namespace) -> None:
    issues = validate_mapping(mapping, table.kinds, locale=args.lang)
    errors = [i.text(args.lang) for i in issues if i.level == "error"]
    if errors:
        raise InputError.of("cli.in", where=table.source, error=" ".join(errors))


def _read(path_text: str, what: str) -> bytes:
    path = Path(path_text)
    if not path.is_file():
        raise InputError.of(f"cli.no_{what}", path=str(path))
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError.of(
            "cli.unreadable", path=str(path), error=str(err.strerror or err)
        ) from None


def _stored_file(ws: Workspace, name: str, data: bytes) -> StoredFile | None:
    """The workspace's copy of a data file: the same bytes, else the same file name."""
    same = [f for f in ws.files if f.sha256 == StoredFile(name, data).sha256]
    if same:
        return same[0]
    named = [f for f in ws.files if f.name.casefold() == name.casefold()]
    return named[0] if len(named) == 1 else None


def _report_mapping(
    kinds: dict[str, str], stored: dict[str, str] | None, options: list[str]
) -> dict[str, str]:
    """The workspace's mapping for the file (else the suggestions), then the --map overrides."""
    overrides: dict[str, str] = {}
    if stored:
        # Start from the user's own mapping: what they left unmapped stays unmapped.
        overrides |= {c: "none" for c in kinds if c not in stored}
        overrides |= {c: f for c, f in stored.items() if c in kinds}
    overrides |= parse_map_options(options)
    return resolve_mapping(kinds, overrides)


def _report(args: argparse.Namespace) -> dict:
    out = Path(args.out)
    export.check_suffix(out)  # a wrong suffix fails before the file is read
    ws: Workspace | None = None
    log: list[dict] = []
    if args.workspace:
        ws, log = read_export(_read(args.workspace, "workspace_file"))
    stored: StoredFile | None = None
    if args.file:
        data = _read(args.file, "file")
        stored = _stored_file(ws, Path(args.file).name, data) if ws else None
        table = load_path(args.file, sheet=args.sheet or (stored.sheet if stored else None))
    elif ws is not None:
        stored = (ws.file(ws.active) if ws.active else None) or next(iter(ws.files), None)
        if stored is None:
            raise InputError.of("cli.no_data_file", name=ws.name)
        table = load_table(stored.data, source=stored.name, sheet=args.sheet or stored.sheet)
    else:
        raise InputError.of("cli.report_input")
    mapping = _report_mapping(table.kinds, stored.mapping if stored else None, args.map)
    _check_mapping(mapping, table, args)
    if args.period:
        period = args.period
    elif args.at:
        period = period_bounds(args.at)[0]
    else:
        period = "month"
    kpis = [k for k in ws.kpis.get(stored.key, []) if k in KPIS] if ws and stored else None
    report = export.build_report(
        apply_mapping(table.frame, mapping),
        source=table.source,
        mapping=mapping,
        period=period,
        at=args.at,
        kpis=kpis or None,
        targets=ws.targets if ws else (),
        competitors=ws.competitors if ws else None,
        own_benchmarks=ws.benchmarks if ws else None,
        industry=args.industry,
        changes=export.changes_frame(log, names=_names(ws, args.lang)) if ws and log else None,
        title=args.title or (t("cli.report_title", locale=args.lang, name=ws.name) if ws else None),
        channel=args.channel,
        roles=ws.roles if ws else None,
        locale=args.lang,
        currency=args.currency or (ws.currency if ws and ws.currency else DEFAULT_CURRENCY),
    )
    written = export.write_report(report, out)
    notes = [f"{section}: {message}" for section, message in report.notes]
    if ws is not None and stored is None:
        notes.insert(0, t("cli.not_in_workspace", locale=args.lang, source=table.source))
    return {
        "file": str(written),
        "format": export.FORMATS[export.check_suffix(written)],
        "source": report.source,
        "workspace": ws.name if ws else None,
        "period": report.period,
        "at": report.period_label,
        "sections": report.sections(),
        "charts": len(report.charts),
        "notes": notes,
    }


def _names(ws: Workspace, lang: str) -> dict[str, str]:
    """What the ids in a workspace's change log stand for: targets and files by name."""
    targets = {
        tg.id: f"{KPIS[tg.kpi].label(lang)} {tg.label}" for tg in ws.targets if tg.kpi in KPIS
    }
    return targets | {f.key: f.name for f in ws.files}


def _find_workspace(store: Store, name: str) -> str:
    """The id of the workspace named or numbered ``name``; an ambiguous name lists the ids."""
    entries = store.list()
    wanted = name.strip()
    by_id = [e for e in entries if e.id == wanted]
    if by_id:
        return by_id[0].id
    if len(wanted) >= 4:
        prefixed = [e for e in entries if e.id.startswith(wanted.lower())]
        if len(prefixed) == 1:
            return prefixed[0].id
    named = [e for e in entries if e.name == wanted] or [
        e for e in entries if e.name.casefold() == wanted.casefold()
    ]
    if len(named) == 1:
        return named[0].id
    if named:
        ids = "; ".join(f"{e.id} (saved {e.updated})" for e in named)
        raise InputError.of("cli.ambiguous", count=len(named), name=wanted, ids=ids)
    raise InputError.of("cli.no_workspace", name=wanted, path=str(store.path))


def _workspace(args: argparse.Namespace) -> dict | pl.DataFrame:
    store = Store()
    if args.action == "list":
        entries = store.list()
        return pl.DataFrame(
            [e._asdict() for e in entries],
            schema={"id": pl.String, "name": pl.String, "updated": pl.String, "revision": pl.Int64},
            orient="row",
        )
    if args.action == "export":
        ws_id = _find_workspace(store, args.name)
        data = store.export_bytes(ws_id)
        path = export.write_bytes(Path(args.out), data)
        name = next(e.name for e in store.list() if e.id == ws_id)
        return {"id": ws_id, "name": name, "file": str(path), "bytes": len(data)}
    ws = store.import_bytes(_read(args.file, "workspace_file"), name=args.name)
    return {"id": ws.id, "name": ws.name, "files": len(ws.files), "targets": len(ws.targets)}


def _safe_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """Text a spreadsheet would run as a formula gets a leading ``'`` (see :func:`safe_text`)."""
    risky = "^[" + re.escape("".join(export.RISKY_START)) + "]"
    text = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    safe = frame.with_columns(
        pl.when(pl.col(c).str.contains(risky)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )
    return safe.rename({c: export.safe_text(c) for c in frame.columns if export.is_risky(c)})


def _emit(result: dict | pl.DataFrame, fmt: str) -> None:
    if isinstance(result, pl.DataFrame):
        if fmt == "json":
            json.dump(result.to_dicts(), sys.stdout, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(_safe_csv(result).write_csv())
    else:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")


_COMMANDS: dict[str, Callable[[argparse.Namespace], dict | pl.DataFrame]] = {
    "inspect": _inspect,
    "kpis": _kpis,
    "funnel": _funnel,
    "leadlag": _leadlag,
    "benchmark": _benchmark,
    "goalseek": _goalseek,
    "report": _report,
    "customers": _customers,
    "nps": _nps,
    "abtest": _abtest,
    "workspace": _workspace,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        # Commands without --format (and workspace export/import) always print JSON.
        _emit(_COMMANDS[args.command](args), getattr(args, "format", "json"))
    except InputError as err:
        message = " ".join(err.text(args.lang).split())
        sys.stderr.write(f"error: {message}\n")
        return 2
    except BrokenPipeError:
        # The reader stopped early (``| head``): not an error; keep Python's exit quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
