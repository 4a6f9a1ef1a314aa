"""Numbers as people type them in Nordic spreadsheets, parsed per column.

Every function works on a whole ``pl.Series`` of text with vectorised polars
expressions; nothing loops over cells in Python. A cell that does not parse
becomes null and is *counted* by the caller, never silently dropped.

The decimal convention (``","`` or ``"."``) is chosen per column from all its
values: a value such as ``12,5`` or ``1.234,56`` can only be read one way and
counts as evidence; values such as ``1.234`` that read both ways follow the
evidence of the rest of the file (see :func:`decimal_evidence`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import polars as pl

Decimal = Literal[",", "."]

# Thousands may be grouped with a space, a no-break space or a narrow no-break
# space: Nordic locales use the latter two, and Excel exports keep them.
_SPACE = "[ \u00a0\u202f]"
# The digits of a number under each convention, once sign, currency and % are off.
_COMMA_RE = (
    rf"^(?:[0-9]+(?:,[0-9]+)?|,[0-9]+|[0-9]{{1,3}}(?:\.[0-9]{{3}})+(?:,[0-9]+)?"
    rf"|[0-9]{{1,3}}(?:{_SPACE}[0-9]{{3}})+(?:,[0-9]+)?)$"
)
_DOT_RE = (
    rf"^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
    rf"|[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?|[0-9]{{1,3}}(?:{_SPACE}[0-9]{{3}})+(?:\.[0-9]+)?)$"
)
_CURRENCY = r"(?:kr\.?|sek|nok|dkk|eur|usd|gbp|€|\$|£)"
_MINUS = "[-\u2212\u2013]"  # hyphen, minus sign, en dash: all seen in exports as a minus
# The whole cell: (1) an opening parenthesis, (2) a sign, currency, (3) a sign
# after the currency, (4) the digits, (5) an exponent, currency or ",-",
# (6) a trailing minus, (7) the closing parenthesis, (8) a percent sign.
_SHAPE_RE = (
    rf"(?i)^(\()?{_SPACE}*([-+\u2212\u2013])?{_SPACE}*(?:{_CURRENCY}{_SPACE}*)?"
    rf"([-+\u2212\u2013])?{_SPACE}*([0-9][0-9.,{_SPACE[1:-1]}]*[0-9]|[0-9]|[.,][0-9]+)"
    rf"([eE][-+]?[0-9]+)?{_SPACE}*(?:{_CURRENCY}|,-|\.-)?{_SPACE}*({_MINUS})?{_SPACE}*"
    rf"(\))?{_SPACE}*(%)?$"
)

EXCEL_ERRORS = (
    "#DIV/0!",
    "#N/A",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
    # Excel 365's newer errors (dynamic arrays, data types, connections).
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
    "#EXTERNAL!",
    "#PYTHON!",
)
EXCEL_ERROR_RE = "^(?:" + "|".join(re.escape(e) for e in EXCEL_ERRORS) + ")$"

_DIGITS_RE = "^[0-9]+$"
# A float64 holds every integer up to 2**53 (16 digits) exactly; beyond 15
# digits a "number" is a code (EAN, card, account number) and must stay text.
MAX_EXACT_DIGITS = 15

_ID_WORDS = frozenset(
    {
        "id",
        "nr",
        "nummer",
        "zip",
        "zipcode",
        "postnr",
        "postnummer",
        "postcode",
        "postkod",
        "phone",
        "telefon",
        "tlf",
        "mobil",
        "mobile",
        "ean",
        "gtin",
        "sku",
        "cvr",
        "orgnr",
        "isbn",
        "iban",
        "kontonr",
        "uuid",
        "guid",
    }
)


@dataclass(frozen=True)
class ParsedNumbers:
    """The outcome of parsing one column as numbers.

    Attributes
    ----------
    values
        Float64 series, null where the cell was empty or did not parse.
    failed
        Boolean series: the cell had text but did not parse.
    percent
        How many cells carried a ``%`` sign (they were divided by 100).
    decimal
        The decimal convention used for this column.
    """

    values: pl.Series
    failed: pl.Series
    percent: int
    decimal: Decimal


def looks_like_id_header(name: str) -> bool:
    """Tell whether a header names an identifier (kept as text, leading zeros intact).

    Parameters
    ----------
    name
        The header text, e.g. ``"Kundenr."``, ``"ad_id"``, ``"Postnr"``, ``"CampaignId"``.

    Returns
    -------
    bool
        True when a word of the header is an id word (``id``, ``nr``, ``zip``,
        ``telefon`` …) or ends in ``nr``/``nummer``/``id`` as Nordic compounds
        (``kundenummer``, ``ordrenr``) do.
    """
    spaced = re.sub(r"([a-zæøå])([A-Z])", r"\1 \2", name)
    words = [w for w in re.split(r"[^0-9a-zA-ZæøåÆØÅäöÄÖ]+", spaced.lower()) if w]
    for word in words:
        if word in _ID_WORDS:
            return True
        if len(word) > 4 and word.endswith(("nr", "nummer", "numre")):
            return True
    return False


def _shape(text: pl.Expr) -> pl.Expr:
    """The parts of a number cell as a struct (fields "1" to "8", see ``_SHAPE_RE``)."""
    return text.str.extract_groups(_SHAPE_RE)


def _well_formed(shape: pl.Expr) -> pl.Expr:
    """Balanced parentheses and at most one sign (parentheses count as one)."""
    field = shape.struct.field
    signs = (
        field("2").is_not_null().cast(pl.Int8)
        + field("3").is_not_null().cast(pl.Int8)
        + field("6").is_not_null().cast(pl.Int8)
        + field("1").is_not_null().cast(pl.Int8)
    )
    return (field("1").is_null() == field("7").is_null()) & (signs <= 1)


def clean_text(series: pl.Series) -> pl.Series:
    """Trim every cell; a cell with nothing left becomes null."""
    trimmed = series.str.strip_chars()
    return pl.select(pl.when(trimmed.str.len_chars() > 0).then(trimmed)).to_series()


# Most cells of a numeric column are plain; these are parsed with one cast and
# only the rest goes through the full grammar (currency, %, grouping, signs).
_PLAIN_DOT_RE = r"^-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$"
_PLAIN_COMMA_RE = r"^-?[0-9]+(?:,[0-9]+)?$"
_ONE_SEPARATOR_RE = r"^-?[0-9]*([.,])[0-9]+$"
_THREE_DECIMALS_RE = r"^-?[0-9]{1,3}[.,][0-9]{3}$"


def decimal_evidence(series: pl.Series) -> tuple[int, int]:
    """Count cells that can only be read with a decimal comma, and only with a dot.

    Parameters
    ----------
    series
        Trimmed text cells (nulls allowed).

    Returns
    -------
    tuple[int, int]
        ``(comma_only, dot_only)``.
    """
    series = series.cast(pl.String)
    t = pl.col("t")
    separator = t.str.extract(_ONE_SEPARATOR_RE)
    ambiguous = t.str.contains(_THREE_DECIMALS_RE)
    # Only cells with a separator can be evidence; whole numbers skip the patterns.
    has_separator = t.str.contains(".", literal=True) | t.str.contains(",", literal=True)
    frame = pl.DataFrame({"t": series}).lazy().filter(has_separator)
    simple = frame.select(
        ((separator == ",") & ~ambiguous).sum().alias("c"),
        ((separator == ".") & ~ambiguous).sum().alias("d"),
    ).collect()
    comma_only, dot_only = int(simple["c"][0] or 0), int(simple["d"][0] or 0)
    shape = _shape(t)
    body = shape.struct.field("4")
    plain_body = body.str.contains(_COMMA_RE), body.str.contains(_DOT_RE)
    rest = (
        frame.filter(separator.is_null() & t.str.contains("[.,]"))
        .select(
            (_well_formed(shape) & plain_body[0] & ~plain_body[1]).sum().alias("c"),
            (_well_formed(shape) & plain_body[1] & ~plain_body[0]).sum().alias("d"),
        )
        .collect()
    )
    return comma_only + int(rest["c"][0] or 0), dot_only + int(rest["d"][0] or 0)


def choose_decimal(evidence: tuple[int, int], *, hint: Decimal) -> Decimal:
    """Pick a column's decimal convention from its evidence; ``hint`` settles a tie."""
    comma_only, dot_only = evidence
    if comma_only > dot_only:
        return ","
    if dot_only > comma_only:
        return "."
    return hint


def _full_grammar(text: pl.Expr, decimal: Decimal) -> pl.Expr:
    valid_re, thousands = (_COMMA_RE, ".") if decimal == "," else (_DOT_RE, ",")
    shape = _shape(text)
    field = shape.struct.field
    body, exponent = field("4"), field("5")
    digits = body.str.replace_all(_SPACE, "").str.replace_all(thousands, "", literal=True)
    if decimal == ",":
        digits = digits.str.replace(",", ".", literal=True)
        valid = _well_formed(shape) & body.str.contains(valid_re) & exponent.is_null()
    else:
        digits = digits + exponent.fill_null("")
        valid = _well_formed(shape) & body.str.contains(valid_re)
    magnitude = pl.when(valid).then(digits.cast(pl.Float64, strict=False))
    negative = (
        field("1").is_not_null()
        | field("2").str.contains(_MINUS).fill_null(False)
        | field("3").str.contains(_MINUS).fill_null(False)
        | field("6").is_not_null()
    )
    signed = pl.when(negative).then(-magnitude).otherwise(magnitude)
    return signed / pl.when(field("8").is_not_null()).then(100.0).otherwise(1.0)


def parse_numbers(series: pl.Series, *, decimal: Decimal) -> ParsedNumbers:
    """Parse trimmed text cells as numbers under one decimal convention.

    Parameters
    ----------
    series
        Trimmed text cells; null means empty.
    decimal
        ``","`` (``1.234,56``) or ``"."`` (``1,234.56``).

    Returns
    -------
    ParsedNumbers
        Values, failures and how many cells were percentages.
    """
    series = series.cast(pl.String)
    t = pl.col("t")
    if decimal == ",":
        plain = t.str.contains(_PLAIN_COMMA_RE)
        quick = t.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    else:
        plain = t.str.contains(_PLAIN_DOT_RE)
        quick = t.cast(pl.Float64, strict=False)
    frame = pl.DataFrame({"t": series}).with_row_index("i")
    first = frame.select(pl.when(plain).then(quick).alias("v"), plain.fill_null(True).alias("p"))
    values = first["v"]
    rest = frame.filter(~first["p"])
    percent = 0
    if rest.height:
        slow = rest.select(
            "i", _full_grammar(t, decimal).alias("v"), t.str.ends_with("%").alias("pct")
        )
        values = values.scatter(slow["i"], slow["v"])
        percent = int((slow["pct"] & slow["v"].is_not_null()).sum())
    failed = series.is_not_null() & values.is_null()
    return ParsedNumbers(values.alias(series.name), failed, percent, decimal)


def digits_only(series: pl.Series) -> bool:
    """True when every non-null cell consists of digits only."""
    present = series.drop_nulls()
    return present.len() > 0 and bool(present.str.contains(_DIGITS_RE).all())


def keeps_leading_zeros(series: pl.Series) -> bool:
    """True for a digits-only column where some value starts with a zero or is too long.

    ``00123`` would lose its zeros as a number; a 16-digit code would lose its
    last digits. Both are identifiers, not quantities.
    """
    if not digits_only(series):
        return False
    present = series.drop_nulls()
    lengths = present.str.len_chars()
    leading = present.str.starts_with("0") & (lengths > 1)
    return bool(leading.any()) or bool((lengths > MAX_EXACT_DIGITS).any())


def is_excel_error(series: pl.Series) -> pl.Series:
    """Boolean series: the cell holds an Excel error code such as ``#DIV/0!``."""
    return series.str.contains(EXCEL_ERROR_RE).fill_null(False)


def format_number(value: float) -> str:
    """Write a float the way a person would type it (``12`` not ``12.0``)."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def to_text(series: pl.Series) -> pl.Series:
    """A typed column back to text, written the way calamine writes cells."""
    if series.dtype == pl.String:
        return series
    if series.dtype.is_numeric():
        value = pl.col("v").cast(pl.Float64)
        integral = (value == value.floor()) & (value.abs() < 1e15)
        expr = (
            pl.when(integral)
            .then(value.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(value.cast(pl.String))
        )
    elif isinstance(series.dtype, pl.Datetime):
        expr = pl.col("v").dt.strftime("%Y-%m-%d %H:%M:%S")
    elif series.dtype == pl.Boolean:
        expr = pl.when(pl.col("v")).then(pl.lit("true")).otherwise(pl.lit("false"))
    else:
        expr = pl.col("v").cast(pl.String)
    return pl.DataFrame({"v": series}).select(expr.alias(series.name)).to_series()
