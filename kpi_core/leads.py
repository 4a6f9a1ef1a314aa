"""The funnel from lead-level data: one row per lead, as CRMs export it.

A CRM export says, per lead, when it was created and when it became an MQL,
an SQL and a customer (or was lost). From that we count the funnel, the
conversion per step and the **time to convert**, overall, per channel and
per cohort (the month the lead was created). The rules:

* **A lead that reached a later stage passed the earlier ones**: a won lead
  without an MQL date counts as an MQL (without a time to MQL). So counts
  never rise along the funnel and every step's conversion is in [0, 1].
* **Times run from the created date** to the stage's date; a stage date
  before the created date is a data error (reported by :func:`validate`)
  and is left out of the times, not of the counts.
* **Open leads are not lost leads.** A lead that is neither won nor lost
  and younger than the maturity window (the 90th percentile of the days
  from lead to customer, from the data) may still convert; a cohort with a
  meaningful share of such leads is "open" and said to be so.
* **As of a date**: everything is computed as of ``as_of`` (default: the
  latest date in the data). Later leads are left out and later stage dates
  count as not reached yet, so a past view can be replayed.

Typical use::

    table = load_path("crm_leads.csv")
    columns = suggest_lead_columns(table.kinds)
    issues = validate(table.frame, columns)
    leads = lead_frame(table.frame, columns)
    summary = lead_summary(leads)          # every number of the funnel page

>>> import datetime as dt
>>> raw = pl.DataFrame({
...     "Oprettet": [dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)],
...     "MQL dato": [dt.date(2026, 1, 6), None, None],
...     "Vundet dato": [dt.date(2026, 2, 4), None, None],
...     "Tabt dato": [None, dt.date(2026, 1, 9), dt.date(2026, 1, 20)],
... })
>>> cols = suggest_lead_columns({c: "date" for c in raw.columns})
>>> cols.won
'Vundet dato'
>>> stage_counts(lead_frame(raw, cols)).select("stage", "count").rows()
[('leads', 3), ('mqls', 1), ('customers', 1)]
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import polars as pl
from babel.numbers import format_percent

from kpi_core.compute import Period
from kpi_core.fields import FIELDS_BY_ID
from kpi_core.funnel import JOURNEY_STAGE, funnel, step_between
from kpi_core.i18n import LOCALES, format_day, format_number, period_name, t
from kpi_core.issues import InputError, Issue, issue
from kpi_core.mapping import RoleMatcher, apply_mapping, resolve_mapping

#: The lead-level stages, in journey order, and the date that marks each.
LEAD_STAGES: tuple[str, ...] = ("leads", "mqls", "sqls", "customers")
STAGE_DATE: dict[str, str] = {"mqls": "mql_at", "sqls": "sql_at", "customers": "won_at"}
_DATES: tuple[str, ...] = ("mql_at", "sql_at", "won_at", "lost_at")

#: The canonical lead frame made by :func:`lead_frame`.
LEAD_SCHEMA: dict[str, Any] = {
    "lead_id": pl.String,
    "channel": pl.String,
    "created": pl.Date,
    "mql_at": pl.Date,
    "sql_at": pl.Date,
    "won_at": pl.Date,
    "lost_at": pl.Date,
    "value": pl.Float64,
}

#: Without enough won leads to measure it, a lead is given this long to convert.
DEFAULT_MATURITY_DAYS = 90
#: A cohort is open while at least this share of its leads may still convert.
DEFAULT_OPEN_SHARE = 0.05

_TRUNCATE = {"month": "1mo", "quarter": "1q", "year": "1y"}
_STEP = {"month": "1mo", "quarter": "3mo", "year": "1y"}


# ---------------------------------------------------------------------------
# Which column is which
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LeadColumns:
    """Which column of a lead-level table holds what; only ``created`` is required.

    Attributes
    ----------
    created
        The date the lead came in.
    id
        The lead's id (kept as text, leading zeros and all).
    mql, sql, won, lost
        The dates the lead became an MQL, an SQL, a customer, or was lost;
        blank when not (yet) reached.
    value
        The deal value (for won leads).
    channel
        Where the lead came from (``Kilde``, ``Source``).
    """

    created: str
    id: str | None = None
    mql: str | None = None
    sql: str | None = None
    won: str | None = None
    lost: str | None = None
    value: str | None = None
    channel: str | None = None

    def roles(self) -> dict[str, str]:
        """Role → column name for every column that is set."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def is_lead_level(self) -> bool:
        """Whether any later stage date is known (else it is just a dated table)."""
        return any((self.mql, self.sql, self.won, self.lost))


_ROLES: tuple[str, ...] = ("id", "created", "mql", "sql", "won", "lost", "value", "channel")
_ROLE_KINDS: dict[str, frozenset[str]] = {
    "id": frozenset({"id", "text", "number"}),
    "created": frozenset({"date"}),
    "mql": frozenset({"date"}),
    "sql": frozenset({"date"}),
    "won": frozenset({"date"}),
    "lost": frozenset({"date"}),
    "value": frozenset({"number"}),
    "channel": frozenset({"text", "id"}),
}
# fmt: off
#: Header texts seen in Danish, Norwegian, Swedish and English CRM exports,
#: lower-case and without units (see :func:`kpi_core.mapping.normalise_header`).
_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "id": (
        "lead id", "leadid", "id", "lead nr", "lead nummer", "kundenr", "kunde nr", "kundenummer",
        "kundnr", "kundnummer", "kunde id", "kund id", "customer id", "contact id", "kontakt id",
        "record id", "deal id", "opportunity id", "sag nr", "sagsnr", "nr", "nummer",
    ),
    "created": (
        "oprettet", "oprettet dato", "oprettelsesdato", "opprettet", "opprettet dato",
        "opprettelsesdato", "skapad", "skapat", "skapad datum", "skapat datum", "created",
        "created date", "create date", "created at", "created on", "date created", "lead created",
        "lead date", "lead dato", "lead datum", "registreret", "registrert", "registrerad",
        "modtaget", "mottatt", "mottagen", "inkommen", "received", "dato", "date", "datum",
    ),
    "mql": (
        "mql", "mql dato", "mql date", "mql datum", "marketing qualified",
        "marketing qualified lead", "became mql", "kvalificeret", "kvalificeret dato",
        "kvalifisert", "kvalifisert dato", "kvalificerad", "kvalificerad datum",
    ),
    "sql": (
        "sql", "sql dato", "sql date", "sql datum", "sales qualified", "sales qualified lead",
        "became sql", "salgskvalificeret", "salgskvalifisert", "säljkvalificerad",
        "opportunity", "opportunity date", "mulighed", "mulighet", "affärsmöjlighet",
        "besigtigelse", "befaring", "platsbesök", "møde booket", "meeting booked",
    ),
    "won": (
        "won", "won date", "closed won", "closed won date", "close won", "date won", "vundet",
        "vundet dato", "vunnet", "vunnet dato", "vunnen", "vunnen datum", "vunnit", "kunde siden",
        "kunde fra", "kund sedan", "customer since", "became customer", "underskrevet",
        "signeret", "signert", "signerad", "signed", "contract signed", "kontrakt underskrevet",
    ),
    "lost": (
        "lost", "lost date", "closed lost", "closed lost date", "date lost", "tabt", "tabt dato",
        "tapt", "tapt dato", "förlorad", "förlorat", "förlorad datum", "forlorad",
    ),
    "value": (
        "ordreværdi", "ordreverdi", "ordervärde", "deal value", "dealværdi", "value", "amount",
        "deal amount", "belopp", "beløb", "beløp", "værdi", "verdi", "värde", "kontraktværdi",
        "kontraktsverdi", "kontraktsvärde", "contract value", "revenue", "omsætning",
        "omsetning", "omsättning", "salgsværdi", "salgsverdi", "affärsvärde", "pris", "price",
    ),
    "channel": (
        "kilde", "källa", "kalla", "source", "lead source", "leadkilde", "leadkälla",
        "original source", "channel", "kanal", "medium", "utm source", "marketing channel",
        "markedsføringskanal", "trafikkilde", "trafikkälla",
    ),
}
# fmt: on
#: Words too general to count when merely contained in a header ("MQL dato" is not
#: the created date because it contains "dato").
_GENERIC = frozenset({"date", "dato", "datum", "id", "nr", "nummer", "value", "amount"})

# One matcher for the headers of this export (shared logic: kpi_core.mapping.RoleMatcher).
_MATCHER = RoleMatcher(_ROLES, _ROLE_WORDS, _ROLE_KINDS, _GENERIC)
_score = _MATCHER.score
_suggest_roles = _MATCHER.suggest


def suggest_lead_columns(kinds: Mapping[str, str], *, locale: str = "en") -> LeadColumns:
    """Suggest which column is which from the headers and the column kinds.

    Headers are recognised in Danish, Norwegian, Swedish and English
    (Oprettet/Opprettet/Skapad/Created, MQL dato, Vundet/Vunnet/Vunnen/Won,
    Tabt/Tapt/Förlorad/Lost, Ordreværdi/Belopp/Amount, Kilde/Källa/Source,
    Lead-ID/Kundenr …). Without a created header, the first date column
    not taken by another stage is the created date.

    Parameters
    ----------
    kinds
        Column name → kind (``"date"``, ``"number"``, ``"text"``, ``"id"``),
        as :class:`kpi_core.ingest.LoadedTable` reports them.

    Raises
    ------
    InputError
        When no column holds dates, so no created date can be found.

    Examples
    --------
    >>> kinds = {"Lead-ID": "id", "Skapad": "date", "Källa": "text", "Vunnen": "date",
    ...          "Belopp": "number"}
    >>> suggest_lead_columns(kinds)
    LeadColumns(created='Skapad', id='Lead-ID', mql=None, sql=None, won='Vunnen', lost=None, value='Belopp', channel='Källa')
    """  # noqa: E501
    roles = _suggest_roles(kinds)
    created = roles.pop("created", None)
    if created is None:
        taken = set(roles.values())
        created = next((c for c, k in kinds.items() if k == "date" and c not in taken), None)
    if created is None:
        raise InputError.of("leads.error.no_created")
    return LeadColumns(created=created, **roles)


def _kinds_of(frame: pl.DataFrame) -> dict[str, str]:
    """Column kinds from the dtypes, for frames that did not come through ingest."""
    out: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            out[name] = "date"
        elif dtype.is_numeric():
            out[name] = "number"
        else:
            out[name] = "text"
    return out


def looks_like_leads(kinds: Mapping[str, str]) -> bool:
    """Whether a table is lead-level: a created date and at least one later stage date."""
    try:
        return suggest_lead_columns(kinds).is_lead_level
    except InputError:
        return False


# ---------------------------------------------------------------------------
# The canonical lead frame
# ---------------------------------------------------------------------------

#: The roles that must hold dates.
_DATE_ROLES = frozenset({"created", "mql", "sql", "won", "lost"})


def _role(role: str, locale: str) -> str:
    """What a column is for, mid-sentence: ``created date``, ``deal value``."""
    return t(f"leads.role.{role}", locale=locale)


def _column_errors(frame: pl.DataFrame, columns: LeadColumns, *, locale: str = "en") -> list[Issue]:
    issues = []
    for role, column in columns.roles().items():
        if column not in frame.columns:
            have = ", ".join(f"‘{c}’" for c in frame.columns)
            issues.append(
                issue(
                    "error",
                    column,
                    "leads.column.missing",
                    column=column,
                    role=_role(role, locale),
                    have=have,
                )
            )
            continue
        dtype = frame.schema[column]
        if role in _DATE_ROLES and not (dtype == pl.Date or isinstance(dtype, pl.Datetime)):
            issues.append(
                issue(
                    "error",
                    column,
                    "leads.column.not_dates",
                    column=column,
                    role=_role(role, locale),
                )
            )
        elif role == "value" and not dtype.is_numeric():
            issues.append(issue("error", column, "leads.column.not_numbers", column=column))
    return issues


def _error_of(errors: Sequence[Issue], *, locale: str = "en") -> InputError:
    """One error for the errors found: the first as is, several said one after the other."""
    if len(errors) == 1:
        return InputError.of(errors[0].key, **dict(errors[0].params))
    return InputError.of("leads.errors", errors=" ".join(i.text(locale) for i in errors))


def _text_id(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype.is_float():
        # 123.0 read from a workbook is the id "123".
        col = col.cast(pl.Int64, strict=False)
    text = col.cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text)


def lead_frame(frame: pl.DataFrame, columns: LeadColumns, *, locale: str = "en") -> pl.DataFrame:
    """The leads in canonical columns, one row per lead with a created date.

    Returns
    -------
    pl.DataFrame
        ``lead_id`` (text; ``#1``, ``#2`` … when there is no id column),
        ``channel``, ``created``, ``mql_at``, ``sql_at``, ``won_at``,
        ``lost_at`` (dates, null when not reached), ``value``. Rows without
        a created date are left out (:func:`validate` counts them).

    Raises
    ------
    InputError
        When a named column is missing or of the wrong kind.
    """
    errors = _column_errors(frame, columns, locale=locale)
    if errors:
        raise _error_of(errors, locale=locale)

    def date(name: str | None) -> pl.Expr:
        if name is None:
            return pl.lit(None, dtype=pl.Date)
        return pl.col(name).cast(pl.Date)

    lead_id = (
        _text_id(columns.id, frame.schema[columns.id])
        if columns.id
        else pl.format("#{}", pl.int_range(1, pl.len() + 1))
    )
    channel = (
        _text_id(columns.channel, frame.schema[columns.channel])
        if columns.channel
        else pl.lit(None, dtype=pl.String)
    )
    value = pl.col(columns.value).cast(pl.Float64) if columns.value else pl.lit(None, pl.Float64)
    out = frame.select(
        lead_id.alias("lead_id"),
        channel.alias("channel"),
        date(columns.created).alias("created"),
        date(columns.mql).alias("mql_at"),
        date(columns.sql).alias("sql_at"),
        date(columns.won).alias("won_at"),
        date(columns.lost).alias("lost_at"),
        value.alias("value"),
    )
    return out.filter(pl.col("created").is_not_null()).cast(LEAD_SCHEMA)


def _check_schema(leads: pl.DataFrame) -> None:
    missing = [c for c in LEAD_SCHEMA if c not in leads.columns]
    if missing:
        raise InputError.of("leads.error.not_a_lead_frame", columns=", ".join(missing))


def latest_date(leads: pl.DataFrame) -> dt.date:
    """The latest date of any kind in the leads: the default ``as_of``."""
    _check_schema(leads)
    latest = leads.select(pl.max_horizontal(pl.col("created", *_DATES).max())).item()
    if latest is None:
        raise InputError.of("leads.error.no_leads")
    return latest


# ---------------------------------------------------------------------------
# Data quality
# ---------------------------------------------------------------------------

#: Stage dates that must not come before another (later, earlier); each has a message
#: ``leads.order.<later>_before_<earlier>`` that also says how such leads are counted.
_ORDER_RULES: tuple[tuple[str, str], ...] = (
    ("mql_at", "created"),
    ("sql_at", "created"),
    ("won_at", "created"),
    ("lost_at", "created"),
    ("sql_at", "mql_at"),
    ("won_at", "sql_at"),
    ("won_at", "mql_at"),
)


def _examples(
    rows: pl.DataFrame, *cols: str, limit: int = 3, locale: str = "en"
) -> tuple[str, ...]:
    out = []
    for row in rows.head(limit).iter_rows(named=True):
        parts = ", ".join(
            t(f"leads.example.{c}", locale=locale, date=str(row[c]))
            for c in cols
            if row[c] is not None
        )
        out.append(t("leads.example.dates", locale=locale, id=str(row["lead_id"]), dates=parts))
    return tuple(out)


def _lead_examples(ids: Sequence[object], *, locale: str = "en") -> tuple[str, ...]:
    return tuple(t("leads.example.lead", locale=locale, id=str(i)) for i in ids)


def check_leads(
    leads: pl.DataFrame, *, as_of: dt.date | None = None, locale: str = "en"
) -> list[Issue]:
    """Data-quality findings on a canonical lead frame (see :func:`lead_frame`).

    Duplicate ids; stage dates out of order (an MQL before the lead was
    created, won before SQL …), each counted with a few examples; leads
    both won and lost; won leads without MQL/SQL dates (counted as having
    passed those stages); negative deal values; leads after ``as_of``.
    Examples are worded in ``locale``.
    """
    _check_schema(leads)
    issues: list[Issue] = []
    if leads.is_empty():
        return [issue("error", "", "leads.error.no_leads")]
    dups = leads.filter(pl.col("lead_id").is_duplicated())
    if not dups.is_empty():
        ids = dups["lead_id"].unique(maintain_order=True)
        issues.append(
            issue(
                "warning",
                "lead_id",
                "leads.check.duplicate_ids",
                examples=tuple(str(i) for i in ids.head(3).to_list()),
                count=ids.len(),
                rows=dups.height,
            )
        )
    flags = leads.select(
        *[
            (pl.col(later) < pl.col(earlier)).fill_null(False).alias(f"{later}<{earlier}")
            for later, earlier in _ORDER_RULES
        ],
        (pl.col("won_at").is_not_null() & pl.col("lost_at").is_not_null()).alias("both"),
    )
    for later, earlier in _ORDER_RULES:
        bad = leads.filter(flags[f"{later}<{earlier}"])
        if bad.is_empty():
            continue
        issues.append(
            issue(
                "warning",
                later,
                f"leads.order.{later}_before_{earlier}",
                examples=_examples(bad, earlier, later, locale=locale),
                count=bad.height,
            )
        )
    both = leads.filter(flags["both"])
    if not both.is_empty():
        issues.append(
            issue(
                "warning",
                "lost_at",
                "leads.check.won_and_lost",
                examples=_examples(both, "won_at", "lost_at", locale=locale),
                count=both.height,
            )
        )
    present = _present_stages(leads)
    for stage, later_dates in (("mqls", ("sql_at", "won_at")), ("sqls", ("won_at",))):
        if stage not in present:
            continue
        gap = leads.filter(
            pl.col(STAGE_DATE[stage]).is_null()
            & pl.any_horizontal(pl.col(c).is_not_null() for c in later_dates)
        )
        if not gap.is_empty():
            issues.append(
                issue(
                    "info",
                    STAGE_DATE[stage],
                    f"leads.check.passed_{stage}",
                    examples=_lead_examples(gap["lead_id"].head(3).to_list(), locale=locale),
                    count=gap.height,
                )
            )
    negative = leads.filter(pl.col("value") < 0)
    if not negative.is_empty():
        issues.append(
            issue(
                "warning",
                "value",
                "leads.check.negative_value",
                examples=tuple(
                    t(
                        "leads.example.value",
                        locale=locale,
                        id=str(r[0]),
                        value=format_number(r[1], locale=locale, digits=2),
                    )
                    for r in negative.select("lead_id", "value").head(3).rows()
                ),
                count=negative.height,
            )
        )
    if as_of is not None:
        late = leads.filter(pl.col("created") > as_of).height
        if late:
            issues.append(
                issue(
                    "info",
                    "created",
                    "leads.check.after_as_of",
                    count=late,
                    day=as_of,
                )
            )
    return issues


def validate(
    frame: pl.DataFrame,
    columns: LeadColumns,
    *,
    as_of: dt.date | None = None,
    locale: str = "en",
) -> list[Issue]:
    """Check a lead-level table and its column choice; an empty list means all is well.

    Errors (a missing column, a text column as a date) mean
    :func:`lead_frame` cannot be used; warnings and infos describe leads
    that are counted in a particular way (see :func:`check_leads`).
    """
    errors = _column_errors(frame, columns, locale=locale)
    if errors:
        return errors
    issues: list[Issue] = []
    no_created = frame[columns.created].null_count()
    if no_created:
        issues.append(
            issue(
                "warning",
                columns.created,
                "leads.check.no_created",
                count=no_created,
                column=columns.created,
            )
        )
    leads = lead_frame(frame, columns, locale=locale)
    return issues + check_leads(leads, as_of=as_of, locale=locale)


# ---------------------------------------------------------------------------
# Two tables: leads and closed deals
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinedLeads:
    """Leads with their deals joined on, ready for :func:`lead_frame` with ``columns``."""

    frame: pl.DataFrame
    columns: LeadColumns
    issues: tuple[Issue, ...]
    matched: int  # deal ids found among the leads
    unmatched: int  # deal ids with no lead (left out)


def _join_key(name: str, dtype: pl.DataType, *, strip_zeros: bool) -> pl.Expr:
    key = _text_id(name, dtype)
    # When one side stored the id as a number, "000123" and 123 are the same lead.
    return key.str.replace(r"^0+(\d)", "$1") if strip_zeros else key


def join_leads(
    leads: pl.DataFrame,
    deals: pl.DataFrame,
    *,
    on_left: str,
    on_right: str | None = None,
    leads_columns: LeadColumns | None = None,
    won: str | None = None,
    value: str | None = None,
    locale: str = "en",
) -> JoinedLeads:
    """Join a deals export onto a leads export by their shared id.

    Every lead is kept (one row each); a deal adds its won date and value.
    Deal columns whose names the leads table also has get ``_deals``
    appended.

    Parameters
    ----------
    leads, deals
        The two tables as read (e.g. ``LoadedTable.frame``).
    on_left, on_right
        The id column in each table (``on_right`` defaults to ``on_left``).
    leads_columns
        Which leads column is which; default suggested from the headers.
    won, value
        The deals table's won date and amount columns; default suggested
        from the headers, and failing that the deals table's first date
        column is taken as the won date.

    Raises
    ------
    InputError
        An id column is missing, no deal id matches a lead, or the deals
        table has no date to use as the won date.

    Examples
    --------
    >>> import datetime as dt
    >>> leads = pl.DataFrame({"ID": ["01", "02"], "Created": [dt.date(2026, 1, 1)] * 2})
    >>> deals = pl.DataFrame({"ID": ["02"], "Won": [dt.date(2026, 2, 1)], "Amount": [9.0]})
    >>> j = join_leads(leads, deals, on_left="ID")
    >>> j.columns.won, j.frame["Won"].to_list()
    ('Won', [None, datetime.date(2026, 2, 1)])
    """
    on_right = on_right or on_left
    if on_left not in leads.columns:
        have = ", ".join(f"‘{c}’" for c in leads.columns)
        raise InputError.of("leads.join.no_left", column=on_left, have=have)
    if on_right not in deals.columns:
        have = ", ".join(f"‘{c}’" for c in deals.columns)
        raise InputError.of("leads.join.no_right", column=on_right, have=have)
    for role, name in (("won", won), ("value", value)):
        if name is not None and name not in deals.columns:
            raise InputError.of("leads.join.no_role_column", column=name, role=_role(role, locale))
    strip = leads.schema[on_left].is_numeric() or deals.schema[on_right].is_numeric()
    issues: list[Issue] = []

    d = deals.with_columns(
        _join_key(on_right, deals.schema[on_right], strip_zeros=strip).alias("__key")
    )
    no_key = d["__key"].null_count()
    if no_key:
        issues.append(
            issue("warning", on_right, "leads.join.no_key", count=no_key, column=on_right)
        )
        d = d.filter(pl.col("__key").is_not_null())
    before = d.height
    d = d.unique(maintain_order=True)
    if d.height < before:
        copies = before - d.height
        issues.append(issue("info", on_right, "leads.join.copies", count=copies))
    dup = d.filter(pl.col("__key").is_duplicated())
    if not dup.is_empty():
        ids = dup[on_right].cast(pl.String).unique(maintain_order=True)
        issues.append(
            issue(
                "warning",
                on_right,
                "leads.join.duplicate_ids",
                examples=tuple(ids.head(3).to_list()),
                count=ids.len(),
            )
        )

        def merge(name: str, dtype: pl.DataType) -> pl.Expr:
            if dtype == pl.Date or isinstance(dtype, pl.Datetime):
                return pl.col(name).min()
            if dtype.is_numeric():
                return pl.col(name).sum()
            return pl.col(name).first()

        d = d.group_by("__key", maintain_order=True).agg(
            merge(c, t) for c, t in d.schema.items() if c != "__key"
        )

    lead_keys = leads.select(
        _join_key(on_left, leads.schema[on_left], strip_zeros=strip).alias("__key")
    )
    orphans = d.join(lead_keys.unique(), on="__key", how="anti")
    matched = d.height - orphans.height
    if matched == 0:
        raise InputError.of("leads.join.no_match", deals=d.height, right=on_right, left=on_left)
    if not orphans.is_empty():
        issues.append(
            issue(
                "warning",
                on_right,
                "leads.join.orphans",
                examples=tuple(str(x) for x in orphans[on_right].head(3).to_list()),
                count=orphans.height,
            )
        )

    renames = {c: f"{c}_deals" for c in d.columns if c in leads.columns and c != "__key"}
    d = d.drop(on_right).rename({k: v for k, v in renames.items() if k != on_right})
    frame = leads.with_columns(lead_keys["__key"]).join(d, on="__key", how="left").drop("__key")

    base = leads_columns or suggest_lead_columns(_kinds_of(leads))
    deal_part = d.drop("__key")
    deal_roles = _suggest_roles(_kinds_of(deal_part))
    won_col = renames.get(won, won) if won else deal_roles.get("won")
    if won_col is None:
        taken = {deal_roles.get(r) for r in ("mql", "sql", "lost")}
        dates = [c for c, k in _kinds_of(deal_part).items() if k == "date" and c not in taken]

        def rank(c: str) -> tuple[bool, float]:
            # A header that says "created" is the deal's created date: a last resort.
            # Otherwise a deal is won last, so the latest dates are the likeliest.
            latest = deal_part[c].cast(pl.Date).to_physical().median()
            return _score(c, "created") > 0, -(latest if latest is not None else -1e9)

        dates.sort(key=rank)
        if dates:
            won_col = dates[0]
            issues.append(issue("info", won_col, "leads.join.won_taken", column=won_col))
        elif base.won is None:
            raise InputError.of("leads.join.no_dates")
    value_col = renames.get(value, value) if value else deal_roles.get("value")
    columns = LeadColumns(
        created=base.created,
        id=base.id or on_left,
        mql=base.mql or deal_roles.get("mql"),
        sql=base.sql or deal_roles.get("sql"),
        won=won_col or base.won,
        lost=deal_roles.get("lost") or base.lost,
        value=value_col or base.value,
        channel=base.channel or deal_roles.get("channel"),
    )
    return JoinedLeads(frame, columns, tuple(issues), matched, orphans.height)


# ---------------------------------------------------------------------------
# Counting, timing, cohorts
# ---------------------------------------------------------------------------


def _present_stages(leads: pl.DataFrame) -> list[str]:
    """Leads, and every later stage with at least one date (a stage never recorded
    is left out rather than shown as the count of the stages after it)."""
    return ["leads"] + [
        s for s in LEAD_STAGES[1:] if leads[STAGE_DATE[s]].null_count() < leads.height
    ]


def _cohort_label(period: Period) -> pl.Expr:
    start = pl.col("cohort_start")
    if period == "month":
        return start.dt.strftime("%Y-%m")
    if period == "quarter":
        return pl.format("{}-Q{}", start.dt.year(), start.dt.quarter())
    return start.dt.year().cast(pl.String)


def _prepared(leads: pl.DataFrame, *, as_of: dt.date, period: Period = "month") -> pl.DataFrame:
    """The leads as of ``as_of``, with a flag per stage reached and days to each stage."""
    created = pl.col("created")
    won = pl.col("won_at").is_not_null()
    sql = pl.col("sql_at").is_not_null() | won
    mql = pl.col("mql_at").is_not_null() | sql
    lost = pl.col("lost_at").is_not_null() & ~won

    def days(col: str) -> pl.Expr:
        d = (pl.col(col) - created).dt.total_days()
        return pl.when(d >= 0).then(d)

    return (
        leads.lazy()
        .filter(created <= as_of)
        .with_columns(pl.when(pl.col(c) <= as_of).then(pl.col(c)).alias(c) for c in _DATES)
        .with_columns(
            pl.lit(True).alias("leads"),
            mql.alias("mqls"),
            sql.alias("sqls"),
            won.alias("customers"),
            lost.alias("lost"),
            (~won & ~lost).alias("undecided"),
            (pl.lit(as_of) - created).dt.total_days().alias("age_days"),
            days("mql_at").alias("days_mqls"),
            days("sql_at").alias("days_sqls"),
            days("won_at").alias("days_customers"),
            created.dt.truncate(_TRUNCATE[period]).alias("cohort_start"),
        )
        .with_columns(_cohort_label(period).alias("cohort"))
        .collect()
    )


_BY = ("channel", "cohort")


def _keys(by: str | None, allowed: Sequence[str] = _BY) -> list[str]:
    if by is None:
        return []
    if by not in allowed:
        raise InputError.of("leads.error.split", by=repr(by), options=", ".join(allowed))
    return [by]


def _stage_counts(
    prep: pl.DataFrame, stages: Sequence[str], keys: list[str], *, locale: str = "en"
) -> pl.DataFrame:
    aggs = [pl.col(s).sum().cast(pl.Int64).alias(s) for s in stages]
    agg = prep.group_by(keys).agg(aggs) if keys else prep.select(aggs)
    long = agg.unpivot(on=list(stages), index=keys, variable_name="stage", value_name="count")
    order = {s: i for i, s in enumerate(LEAD_STAGES)}
    long = long.sort([*keys, pl.col("stage").replace_strict(order)], nulls_last=True)
    steps = {b: step_between(a, b) for a, b in itertools.pairwise(stages)}
    group = keys or [pl.lit(0)]
    prev = pl.col("count").shift(1).over(group)
    first = pl.col("count").first().over(group)
    return long.select(
        *keys,
        "stage",
        pl.col("stage")
        .replace_strict({s: FIELDS_BY_ID[s].name(locale) for s in stages})
        .alias("label"),
        pl.col("stage")
        .replace_strict({s: JOURNEY_STAGE[s] for s in stages})
        .alias("journey_stage"),
        pl.col("stage")
        .replace_strict({b: st.id for b, st in steps.items()}, default=None, return_dtype=pl.String)
        .alias("step"),
        pl.col("stage")
        .replace_strict(
            {b: st.name(locale) for b, st in steps.items()},
            default=None,
            return_dtype=pl.String,
        )
        .alias("step_label"),
        "count",
        (prev - pl.col("count")).alias("drop"),
        pl.when(prev > 0).then(pl.col("count") / prev).alias("pct_of_previous"),
        pl.when(first > 0).then(pl.col("count") / first).alias("pct_of_first"),
    )


def stage_counts(
    leads: pl.DataFrame,
    *,
    by: str | None = None,
    as_of: dt.date | None = None,
    locale: str = "en",
) -> pl.DataFrame:
    """Leads reaching each stage, and the conversion of each step.

    A lead counts at every stage up to the furthest it reached, so counts
    never rise along the funnel and ``pct_of_previous`` is in [0, 1].
    Open leads count as leads that have not (yet) reached the next stage.

    Parameters
    ----------
    by
        ``"channel"`` or ``"cohort"`` (the month the lead was created).

    Returns
    -------
    pl.DataFrame
        (``by``), ``stage``, ``label``, ``journey_stage``, ``step``,
        ``step_label``, ``count``, ``drop``, ``pct_of_previous``,
        ``pct_of_first``; one row per stage recorded in the data.
    """
    as_of = as_of or latest_date(leads)
    prep = _prepared(leads, as_of=as_of)
    return _stage_counts(prep, _present_stages(leads), _keys(by), locale=locale)


def _time_to_convert(
    prep: pl.DataFrame, stages: Sequence[str], keys: list[str], *, locale: str = "en"
) -> pl.DataFrame:
    later = [s for s in stages if s != "leads"]
    aggs = []
    for s in later:
        d = pl.col(f"days_{s}")
        aggs += [
            d.count().cast(pl.Int64).alias(f"n|{s}"),
            d.median().cast(pl.Float64).alias(f"median|{s}"),
            d.quantile(0.75, interpolation="linear").cast(pl.Float64).alias(f"p75|{s}"),
        ]
    if not later:
        schema = {k: prep.schema[k] for k in keys}
        return pl.DataFrame(
            schema={
                **schema,
                "stage": pl.String,
                "step": pl.String,
                "step_label": pl.String,
                "n": pl.Int64,
                "median_days": pl.Float64,
                "p75_days": pl.Float64,
            }
        )
    agg = prep.group_by(keys).agg(aggs) if keys else prep.select(aggs)
    parts = []
    for s in later:
        step = step_between("leads", s)
        parts.append(
            agg.select(
                *keys,
                pl.lit(s).alias("stage"),
                pl.lit(step.id).alias("step"),
                pl.lit(step.name(locale)).alias("step_label"),
                pl.col(f"n|{s}").alias("n"),
                pl.col(f"median|{s}").alias("median_days"),
                pl.col(f"p75|{s}").alias("p75_days"),
            )
        )
    order = {s: i for i, s in enumerate(LEAD_STAGES)}
    return pl.concat(parts).sort([*keys, pl.col("stage").replace_strict(order)], nulls_last=True)


def time_to_convert(
    leads: pl.DataFrame,
    *,
    by: str | None = None,
    as_of: dt.date | None = None,
    period: Period = "month",
    locale: str = "en",
) -> pl.DataFrame:
    """Median and 75th percentile days from the created date to each stage.

    ``customers`` is lead → customer. Only leads with a date for the stage
    on or after their created date count (``n``). Percentiles interpolate
    linearly between the two nearest leads, like numpy's default.
    For open cohorts (see :func:`cohorts`) the times are biased short:
    only the fast leads have converted yet.

    Parameters
    ----------
    by
        ``"channel"`` or ``"cohort"`` (per ``period``).

    Returns
    -------
    pl.DataFrame
        (``by``), ``stage``, ``step``, ``step_label``, ``n``,
        ``median_days``, ``p75_days``.

    Examples
    --------
    >>> import datetime as dt
    >>> day = dt.date(2026, 1, 1)
    >>> leads = pl.DataFrame({
    ...     "lead_id": ["1", "2", "3"], "channel": ["A"] * 3, "created": [day] * 3,
    ...     "mql_at": [None] * 3, "sql_at": [None] * 3,
    ...     "won_at": [day + dt.timedelta(days=d) for d in (10, 20, 40)],
    ...     "lost_at": [None] * 3, "value": [None] * 3,
    ... }, schema=LEAD_SCHEMA)
    >>> time_to_convert(leads).select("n", "median_days", "p75_days").row(0)
    (3, 20.0, 30.0)
    """
    as_of = as_of or latest_date(leads)
    prep = _prepared(leads, as_of=as_of, period=period)
    return _time_to_convert(prep, _present_stages(leads), _keys(by), locale=locale)


def _maturity(prep: pl.DataFrame, *, quantile: float, min_won: int, default: int) -> int:
    won_days = prep["days_customers"].drop_nulls()
    if won_days.len() < min_won:
        return default
    q = won_days.quantile(quantile, interpolation="linear")
    return max(1, math.ceil(float(q)))  # type: ignore[arg-type]


def maturity_days(
    leads: pl.DataFrame,
    *,
    as_of: dt.date | None = None,
    quantile: float = 0.9,
    min_won: int = 20,
    default: int = DEFAULT_MATURITY_DAYS,
) -> int:
    """How long a lead is given to convert: the ``quantile`` of lead → customer days.

    With fewer than ``min_won`` won leads there is too little to measure,
    and ``default`` days are used.
    """
    as_of = as_of or latest_date(leads)
    prep = _prepared(leads, as_of=as_of)
    return _maturity(prep, quantile=quantile, min_won=min_won, default=default)


def _cohort_note(
    row: Mapping[str, Any], *, period: Period, maturity: int, as_of: dt.date, locale: str = "en"
) -> str:
    name = period_name(row["cohort"], locale=locale)
    name = name[:1].upper() + name[1:]  # it begins the sentence ("marts 2026" in Danish)
    if not row["complete"]:
        return t(
            f"leads.cohort.open_{period}",
            locale=locale,
            cohort=name,
            day=format_day(as_of, locale=locale, style="long"),
            pending=row["pending"],
            leads=row["leads"],
        )
    return t(
        "leads.cohort.open_young",
        locale=locale,
        cohort=name,
        pending=row["pending"],
        leads=row["leads"],
        share=format_percent(row["pending_share"], locale=LOCALES.get(locale, "en_GB")),
        days=maturity,
    )


def _cohorts(
    prep: pl.DataFrame,
    stages: Sequence[str],
    keys: list[str],
    *,
    period: Period,
    as_of: dt.date,
    maturity: int,
    open_share: float,
    locale: str = "en",
) -> pl.DataFrame:
    pending = pl.col("undecided") & (pl.col("age_days") < maturity)
    counts = ["leads", "mqls", "sqls", "customers", "lost", "pending"]
    agg = prep.group_by(["cohort_start", *keys]).agg(
        pl.len().cast(pl.Int64).alias("leads"),
        *[pl.col(s).sum().cast(pl.Int64).alias(s) for s in ("mqls", "sqls", "customers")],
        pl.col("lost").sum().cast(pl.Int64).alias("lost"),
        pending.sum().cast(pl.Int64).alias("pending"),
        pl.col("value").filter(pl.col("customers")).sum().alias("won_value"),
    )
    if agg.is_empty():
        starts = pl.Series("cohort_start", [], dtype=pl.Date)
    else:
        starts = pl.date_range(
            agg["cohort_start"].min(), agg["cohort_start"].max(), _STEP[period], eager=True
        ).alias("cohort_start")
    grid = starts.to_frame()
    if keys:
        grid = grid.join(agg.select(keys).unique().sort(keys, nulls_last=True), how="cross")
    out = grid.join(agg, on=["cohort_start", *keys], how="left", nulls_equal=True).with_columns(
        pl.col(c).fill_null(0) for c in counts
    )
    out = out.with_columns(
        pl.lit(None, dtype=pl.Int64).alias(s)
        for s in ("mqls", "sqls", "customers")
        if s not in stages
    )

    def rate(num: str, den: str) -> pl.Expr:
        return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).cast(pl.Float64)

    end = pl.col("cohort_start").dt.offset_by(_STEP[period]).dt.offset_by("-1d")
    out = out.with_columns(
        _cohort_label(period).alias("cohort"),
        end.alias("cohort_end"),
        rate("pending", "leads").alias("pending_share"),
        rate("mqls", "leads").alias("lead_to_mql"),
        rate("sqls", "mqls").alias("mql_to_sql"),
        rate("customers", "sqls").alias("sql_to_customer"),
        rate("customers", "leads").alias("lead_to_customer"),
        (end <= as_of).alias("complete"),
    ).with_columns(
        (~pl.col("complete") | (pl.col("pending_share") >= open_share).fill_null(False)).alias(
            "is_open"
        )
    )
    notes = [
        _cohort_note(r, period=period, maturity=maturity, as_of=as_of, locale=locale)
        if r["is_open"]
        else None
        for r in out.select(
            "cohort", "complete", "pending", "leads", "pending_share", "is_open"
        ).iter_rows(named=True)
    ]
    out = out.with_columns(pl.Series("note", notes, dtype=pl.String))
    return out.sort(["cohort_start", *keys], nulls_last=True).select(
        "cohort",
        "cohort_start",
        "cohort_end",
        *keys,
        *counts,
        "pending_share",
        "lead_to_mql",
        "mql_to_sql",
        "sql_to_customer",
        "lead_to_customer",
        "won_value",
        "complete",
        "is_open",
        "note",
    )


def cohorts(
    leads: pl.DataFrame,
    *,
    period: Period = "month",
    by: str | None = None,
    as_of: dt.date | None = None,
    maturity: int | None = None,
    open_share: float = DEFAULT_OPEN_SHARE,
    locale: str = "en",
) -> pl.DataFrame:
    """Conversion by cohort (the period the leads were created), open cohorts marked.

    A lead is *pending* while it is neither won nor lost and younger than
    ``maturity`` days (default :func:`maturity_days`): it may still
    convert, so it is not counted as lost. A cohort is *open* while its
    period is not over at ``as_of`` or at least ``open_share`` of its leads
    are pending; its rates are "so far" and will still rise.

    Parameters
    ----------
    by
        ``"channel"`` for one row per cohort and channel.

    Returns
    -------
    pl.DataFrame
        One row per cohort (every period of the range, and ``by`` value):
        ``cohort`` (``"2026-10"``), ``cohort_start``, ``cohort_end``,
        ``leads``, ``mqls``, ``sqls``, ``customers``, ``lost``, ``pending``,
        ``pending_share``, ``lead_to_mql``, ``mql_to_sql``,
        ``sql_to_customer``, ``lead_to_customer``, ``won_value``,
        ``complete``, ``is_open`` and ``note`` (a sentence for open cohorts).
    """
    as_of = as_of or latest_date(leads)
    prep = _prepared(leads, as_of=as_of, period=period)
    if maturity is None:
        maturity = _maturity(prep, quantile=0.9, min_won=20, default=DEFAULT_MATURITY_DAYS)
    return _cohorts(
        prep,
        _present_stages(leads),
        _keys(by, ("channel",)),
        period=period,
        as_of=as_of,
        maturity=maturity,
        open_share=open_share,
        locale=locale,
    )


def _histogram(
    prep: pl.DataFrame,
    keys: list[str],
    *,
    bin_days: int,
    max_days: int | None,
    locale: str = "en",
) -> pl.DataFrame:
    won = prep.filter(pl.col("days_customers").is_not_null())
    schema = {
        **{k: prep.schema[k] for k in keys},
        "bin_start": pl.Int64,
        "bin_end": pl.Int64,
        "label": pl.String,
        "count": pl.Int64,
        "share": pl.Float64,
    }
    if won.is_empty():
        return pl.DataFrame(schema=schema)
    start = (pl.col("days_customers") // bin_days) * bin_days
    top = None if max_days is None else (max_days // bin_days) * bin_days
    if top is not None:
        start = pl.min_horizontal(start, pl.lit(top))
    binned = won.group_by([*keys, start.alias("bin_start")]).agg(
        pl.len().cast(pl.Int64).alias("count")
    )
    last = int(binned["bin_start"].max())  # type: ignore[arg-type]
    grid = pl.DataFrame(
        {"bin_start": list(range(0, last + 1, bin_days))}, schema={"bin_start": pl.Int64}
    )
    if keys:
        grid = won.select(keys).unique().sort(keys, nulls_last=True).join(grid, how="cross")
    out = grid.join(
        binned.with_columns(pl.col("bin_start").cast(pl.Int64)),
        on=[*keys, "bin_start"],
        how="left",
        nulls_equal=True,
    ).with_columns(pl.col("count").fill_null(0))
    is_open_bin = pl.lit(top is not None) & (
        pl.col("bin_start") == (top if top is not None else -1)
    )
    end = pl.col("bin_start") + (bin_days - 1)
    total = pl.col("count").sum().over(keys) if keys else pl.col("count").sum()
    out = out.select(
        *keys,
        "bin_start",
        pl.when(~is_open_bin).then(end).alias("bin_end"),
        "count",
        (pl.col("count") / total).alias("share"),
    ).sort([*keys, "bin_start"], nulls_last=True)
    return localized_histogram(out, locale=locale).select(
        *keys, "bin_start", "bin_end", "label", "count", "share"
    )


def days_label(start: int, end: int | None, *, locale: str = "en") -> str:
    """A bin of days: ``"7–13 days"``, ``"5 days"``, ``"91+ days"`` (``end`` None: open)."""
    if end is None:
        return t("leads.days.open", locale=locale, start=start)
    if end == start:
        return t("leads.days.one", locale=locale, count=start)
    return t("leads.days.range", locale=locale, start=start, end=end)


def localized_histogram(histogram: pl.DataFrame, *, locale: str = "en") -> pl.DataFrame:
    """A histogram frame (:func:`time_histogram`) with its bin labels in ``locale``."""
    labels = [
        days_label(a, b, locale=locale)
        for a, b in histogram.select("bin_start", "bin_end").iter_rows()
    ]
    return histogram.with_columns(pl.Series("label", labels, dtype=pl.String))


def time_histogram(
    leads: pl.DataFrame,
    *,
    bin_days: int = 7,
    by: str | None = None,
    as_of: dt.date | None = None,
    max_days: int | None = None,
    locale: str = "en",
) -> pl.DataFrame:
    """How many won leads took how long: bins of days from lead to customer.

    Every bin from 0 to the longest is present (empty ones with 0), per
    ``by`` value (``"channel"``). With ``max_days``, longer times go into
    one last open bin (``"91+ days"``).

    Returns
    -------
    pl.DataFrame
        (``by``), ``bin_start``, ``bin_end`` (inclusive; null for the open
        bin), ``label`` (``"7–13 days"``), ``count``, ``share`` (of the group).
    """
    if bin_days < 1:
        raise InputError.of("leads.error.bins")
    as_of = as_of or latest_date(leads)
    prep = _prepared(leads, as_of=as_of)
    return _histogram(
        prep, _keys(by, ("channel",)), bin_days=bin_days, max_days=max_days, locale=locale
    )


# ---------------------------------------------------------------------------
# Everything for the page, and the command line
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadSummary:
    """Every number of the funnel page for lead-level data, aggregated (no raw rows).

    Attributes
    ----------
    funnel, funnel_by_channel
        :func:`stage_counts` with ``median_days`` and ``p75_days`` from the
        created date joined on (0 for the leads stage).
    time_to_convert, time_by_channel, time_by_cohort
        :func:`time_to_convert`; ``time_by_cohort`` has ``is_open``.
    cohorts
        :func:`cohorts`.
    histogram
        :func:`time_histogram` (lead → customer, overall).
    lead_to_customer
        Customers / leads over all leads so far (open leads included).
    settled_lead_to_customer
        The same over the cohorts that are no longer open: the fairer
        headline, since recent leads have not had time to convert.
    pending
        Leads that may still convert (neither won nor lost, younger than
        ``maturity_days``).
    """

    as_of: dt.date
    maturity_days: int
    funnel: pl.DataFrame
    funnel_by_channel: pl.DataFrame | None
    time_to_convert: pl.DataFrame
    time_by_channel: pl.DataFrame | None
    time_by_cohort: pl.DataFrame
    cohorts: pl.DataFrame
    histogram: pl.DataFrame
    lead_to_customer: float | None
    settled_lead_to_customer: float | None
    median_days_to_customer: float | None
    p75_days_to_customer: float | None
    pending: int
    issues: tuple[Issue, ...]


def _with_times(counts: pl.DataFrame, times: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    out = counts.join(
        times.select(*keys, "stage", "median_days", "p75_days"),
        on=[*keys, "stage"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    # A lead is a lead on the day it is created.
    first = pl.col("stage") == "leads"
    return out.with_columns(
        pl.when(first).then(0.0).otherwise(pl.col(c)).alias(c) for c in ("median_days", "p75_days")
    )


def _pending_issue(pending: int, total: int, maturity: int, *, locale: str = "en") -> Issue:
    return issue(
        "info",
        "created",
        "leads.pending",
        count=pending,
        total=total,
        share=round(100 * pending / total),
        days=maturity,
    )


def lead_summary(
    leads: pl.DataFrame,
    *,
    as_of: dt.date | None = None,
    period: Period = "month",
    open_share: float = DEFAULT_OPEN_SHARE,
    bin_days: int = 7,
    locale: str = "en",
) -> LeadSummary:
    """Every number of the funnel page from a canonical lead frame.

    ``issues`` holds what the summary itself finds (leads still pending);
    the data-quality findings come from :func:`validate` (or
    :func:`check_leads` on a canonical frame), run once before. Labels, notes and
    findings are worded in ``locale``.
    """
    as_of = as_of or latest_date(leads)
    prep = _prepared(leads, as_of=as_of, period=period)
    if prep.is_empty():
        raise InputError.of("leads.error.none_before", day=as_of)
    stages = _present_stages(leads)
    maturity = _maturity(prep, quantile=0.9, min_won=20, default=DEFAULT_MATURITY_DAYS)
    has_channel = prep["channel"].null_count() < prep.height
    times = _time_to_convert(prep, stages, [], locale=locale)
    funnel_all = _with_times(_stage_counts(prep, stages, [], locale=locale), times, [])
    by_channel = time_by_channel = None
    if has_channel:
        time_by_channel = _time_to_convert(prep, stages, ["channel"], locale=locale)
        by_channel = _with_times(
            _stage_counts(prep, stages, ["channel"], locale=locale), time_by_channel, ["channel"]
        )
    cohort_frame = _cohorts(
        prep,
        stages,
        [],
        period=period,
        as_of=as_of,
        maturity=maturity,
        open_share=open_share,
        locale=locale,
    )
    time_by_cohort = _time_to_convert(prep, stages, ["cohort"], locale=locale).join(
        cohort_frame.select("cohort", "is_open"), on="cohort", how="left", maintain_order="left"
    )
    settled = cohort_frame.filter(~pl.col("is_open"))
    settled_leads = int(settled["leads"].sum())
    customers = "customers" in stages
    settled_ltc = (
        float(settled["customers"].sum()) / settled_leads if customers and settled_leads else None
    )
    won_times = times.filter(pl.col("stage") == "customers")
    pending = int(cohort_frame["pending"].sum())
    issues = []
    if pending:
        issues.append(_pending_issue(pending, prep.height, maturity, locale=locale))
    return LeadSummary(
        as_of=as_of,
        maturity_days=maturity,
        funnel=funnel_all,
        funnel_by_channel=by_channel,
        time_to_convert=times,
        time_by_channel=time_by_channel,
        time_by_cohort=time_by_cohort,
        cohorts=cohort_frame,
        histogram=_histogram(prep, [], bin_days=bin_days, max_days=None, locale=locale),
        lead_to_customer=(float(prep["customers"].sum()) / prep.height) if customers else None,
        settled_lead_to_customer=settled_ltc,
        median_days_to_customer=won_times["median_days"].item()
        if not won_times.is_empty()
        else None,
        p75_days_to_customer=won_times["p75_days"].item() if not won_times.is_empty() else None,
        pending=pending,
        issues=tuple(issues),
    )


@dataclass(frozen=True)
class FunnelReport:
    """The funnel as the command line prints it.

    Attributes
    ----------
    level
        ``"aggregated"`` (daily/weekly/monthly sums) or ``"leads"`` (one row per lead).
    stages
        (``by``), ``stage``, ``label``, ``journey_stage``, ``step``,
        ``step_label``, ``count``, ``drop``, ``pct_of_previous``,
        ``pct_of_first``, ``median_days``, ``p75_days`` (days from the
        created date; lead-level only, else null) and ``note``.
    """

    level: Literal["aggregated", "leads"]
    stages: pl.DataFrame
    traffic_to_lead: float | None
    lead_to_customer: float | None
    as_of: dt.date | None
    issues: tuple[Issue, ...]


def funnel_report(
    frame: pl.DataFrame,
    *,
    kinds: Mapping[str, str] | None = None,
    deals: pl.DataFrame | None = None,
    join_on: str | None = None,
    deals_join_on: str | None = None,
    by: str | None = None,
    mapping: Mapping[str, str] | None = None,
    columns: LeadColumns | None = None,
    as_of: dt.date | None = None,
    locale: str = "en",
) -> FunnelReport:
    """The funnel of one file (or a leads file and a deals file), for the command line.

    A file with a created date and later stage dates (a CRM export) is read
    lead by lead (:mod:`kpi_core.leads`); any other file is mapped to
    canonical fields and summed (:func:`kpi_core.funnel.funnel`).

    Parameters
    ----------
    frame, kinds
        The table and its column kinds (``LoadedTable.frame``/``.kinds``);
        kinds default to what the dtypes say.
    deals, join_on, deals_join_on
        A second, lead-level table joined on ``join_on`` (its own id
        column ``deals_join_on``, default the same name); see :func:`join_leads`.
    by
        ``"channel"`` (both levels), ``"campaign"`` (aggregated) or
        ``"cohort"`` (lead-level).
    mapping
        Column → field for aggregated data (default: the suggestions).
    columns
        Which column is which for lead-level data (default: the suggestions;
        passing it forces lead-level reading).
    locale
        The language of the labels, notes, issues and errors.

    Raises
    ------
    InputError
        For anything that makes a funnel impossible; the message says what to do.

    Examples
    --------
    ::

        t = load_path("crm_leads.csv")
        report = funnel_report(t.frame, kinds=t.kinds, by="channel")
        report.stages.write_csv()
    """
    if deals is not None:
        if not join_on:
            raise InputError.of("leads.error.join_on")
        joined = join_leads(
            frame,
            deals,
            on_left=join_on,
            on_right=deals_join_on,
            leads_columns=columns,
            locale=locale,
        )
        return _lead_report(joined.frame, joined.columns, by, as_of, joined.issues, locale)
    kinds = dict(kinds) if kinds is not None else _kinds_of(frame)
    if columns is not None:
        return _lead_report(frame, columns, by, as_of, (), locale)
    if looks_like_leads(kinds):
        return _lead_report(frame, suggest_lead_columns(kinds), by, as_of, (), locale)
    if by == "cohort":
        raise InputError.of("leads.error.cohort_needs_leads")
    data = apply_mapping(frame, mapping if mapping is not None else resolve_mapping(kinds))
    f = funnel(data, by=by, locale=locale)
    stages = f.steps.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("median_days"),
        pl.lit(None, dtype=pl.Float64).alias("p75_days"),
    )
    keys = [by] if by else []
    stages = stages.select(
        *keys,
        *[c for c in stages.columns if c not in (*keys, "note")],
        "note",
    )
    return FunnelReport("aggregated", stages, f.traffic_to_lead, f.lead_to_customer, None, f.issues)


def _lead_report(
    frame: pl.DataFrame,
    columns: LeadColumns,
    by: str | None,
    as_of: dt.date | None,
    earlier: tuple[Issue, ...],
    locale: str = "en",
) -> FunnelReport:
    keys = _keys(by)
    issues = [*earlier, *validate(frame, columns, as_of=as_of, locale=locale)]
    errors = [i for i in issues if i.level == "error"]
    if errors:
        raise _error_of(errors, locale=locale)
    if by == "channel" and columns.channel is None:
        raise InputError.of("leads.error.no_channel")
    leads = lead_frame(frame, columns, locale=locale)
    as_of = as_of or latest_date(leads)
    prep = _prepared(leads, as_of=as_of)
    stages = _present_stages(leads)
    table = _with_times(
        _stage_counts(prep, stages, keys, locale=locale),
        _time_to_convert(prep, stages, keys, locale=locale),
        keys,
    ).with_columns(pl.lit(None, dtype=pl.String).alias("note"))
    maturity = _maturity(prep, quantile=0.9, min_won=20, default=DEFAULT_MATURITY_DAYS)
    pending = prep.filter(pl.col("undecided") & (pl.col("age_days") < maturity)).height
    if pending:
        issues.append(_pending_issue(pending, prep.height, maturity, locale=locale))
    ltc = float(prep["customers"].sum()) / prep.height if "customers" in stages else None
    return FunnelReport("leads", table, None, ltc, as_of, tuple(issues))
