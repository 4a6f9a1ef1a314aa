"""Column mapping: which column of the user's file is which canonical field.

Suggestions come from header names in English, Danish, Norwegian and Swedish
(tolerant of case, units in brackets and small spelling differences) and are
checked against the column's kind: a text column is never suggested as
revenue. The user sees each suggestion with its confidence and has the last
word; columns left unmapped are kept as they are.

>>> s = suggest_mapping({"Dato": "date", "Omsætning (kr.)": "number", "Note": "text"})
>>> [(x.column, x.field) for x in s]
[('Dato', 'date'), ('Omsætning (kr.)', 'revenue'), ('Note', None)]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

import polars as pl

from kpi_core.fields import FIELDS, FIELDS_BY_ID, Field
from kpi_core.i18n import t
from kpi_core.issues import InputError, Issue, issue

#: Below this a suggestion is not made at all; the user maps the column by hand.
MIN_CONFIDENCE = 0.6

_COMPATIBLE_KINDS: dict[str, frozenset[str]] = {
    "date": frozenset({"date"}),
    "dimension": frozenset({"text", "id"}),
    "count": frozenset({"number"}),
    "money": frozenset({"number"}),
}

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


@dataclass(frozen=True)
class ColumnSuggestion:
    """The suggested field for one column; ``field=None`` means leave unmapped.

    ``reason`` is why, in English; :meth:`why` says it in any language (from the
    catalogue message ``reason_key`` and its ``reason_params``).
    """

    column: str
    field: str | None
    confidence: float
    reason: str
    reason_key: str = ""
    reason_params: tuple[tuple[str, str], ...] = ()

    def why(self, locale: str = "en") -> str:
        """Why this field was suggested, in ``locale``."""
        if not self.reason_key:
            return self.reason
        return t(self.reason_key, locale=locale, **dict(self.reason_params))


def _reason(name: str, **params: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Why a field was (not) suggested: (English text, catalogue key, its values)."""
    return t(f"mapping.reason.{name}", **params), f"mapping.reason.{name}", tuple(params.items())


def normalise_header(text: str) -> str:
    """Lower-case a header and strip units, brackets and punctuation.

    >>> normalise_header("  Omsætning (kr.) ")
    'omsætning'
    >>> normalise_header("Annonceudgift [DKK]")
    'annonceudgift'
    """
    text = unicodedata.normalize("NFC", str(text)).lower().replace("_", " ").strip()
    text = re.sub(r"[(\[{].*?[)\]}]", " ", text)
    text = re.sub(r"\b(dkk|nok|sek|eur|usd|kr|i alt|total|#)\b\.?", " ", text)
    text = re.sub(r"[^\w/ ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip(" /")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


#: Words that make a header a ratio or an average ("Cost per click", "Konv. rate"):
#: such a column must never be summed as a count or an amount.
_RATIO_WORDS = frozenset(
    {"per", "pr", "avg", "average", "gns", "gennemsnit", "gjennomsnitt", "snitt", "genomsnitt",
     "rate", "ratio", "andel", "ctr", "cpc", "cpm", "cpl", "cpa", "roas", "aov"}
)  # fmt: skip


def looks_like_ratio(header: str) -> bool:
    """Whether a raw header names a ratio or an average (``Cost per click``, ``Leads %``)."""
    text = header.lower()
    words = re.findall(r"[\w%]+", text.replace("%", " % "))
    return "%" in text or "/" in text or bool(_RATIO_WORDS.intersection(words))


Reason = tuple[str, str, tuple[tuple[str, str], ...]]
_NO_REASON: Reason = ("", "", ())


def _score(header: str, f: Field, *, is_ratio: bool = False) -> tuple[float, Reason]:
    """How well one normalised header matches one field, and why.

    The field's own id or English name scores 1.0 and beats a synonym (0.95),
    so an export with both "Reach" and "Impressions" maps Impressions.
    """
    if not header:
        return 0.0, _NO_REASON
    folded = _fold(header)
    if is_ratio and f.kind in ("count", "money"):
        return 0.0, _NO_REASON
    if folded in (_fold(f.id), _fold(f.label.lower())):
        return 1.0, _reason("exact", header=f.label)
    words = folded.split()
    best: tuple[float, Reason] = (0.0, _NO_REASON)
    for syn in f.synonyms:
        syn_folded = _fold(syn)
        if header == syn or folded == syn_folded:
            return 0.95, _reason("exact", header=syn)
        if syn_folded in words or (" " in syn_folded and f" {syn_folded} " in f" {folded} "):
            score = 0.8 if len(words) <= 3 else 0.7
            if score > best[0]:
                best = (score, _reason("contains", header=syn))
            continue
        ratio = SequenceMatcher(None, folded, syn_folded).ratio()
        if ratio >= 0.84 and len(syn_folded) >= 4:
            score = round(0.5 + 0.4 * ratio, 2)
            if score > best[0]:
                best = (score, _reason("looks_like", header=syn))
    return best


def suggest_mapping(
    kinds: Mapping[str, str],
) -> tuple[ColumnSuggestion, ...]:
    """Suggest a canonical field for every column.

    Parameters
    ----------
    kinds
        Column name to column kind (``"date"``, ``"number"``, ``"text"``,
        ``"id"``), in the file's column order, as ingest reports them.

    Returns
    -------
    One suggestion per column, in column order. Each field is suggested for
    at most one column (the most confident one); the first date column is
    the date when no header says so.
    """
    candidates: list[tuple[float, int, str, Reason]] = []
    for pos, (column, kind) in enumerate(kinds.items()):
        header = normalise_header(column)
        is_ratio = looks_like_ratio(column)
        for f in FIELDS:
            if kind not in _COMPATIBLE_KINDS[f.kind]:
                continue
            score, reason = _score(header, f, is_ratio=is_ratio)
            if score >= MIN_CONFIDENCE:
                candidates.append((score, -pos, f.id, reason))
    taken_fields: set[str] = set()
    chosen: dict[str, tuple[str, float, Reason]] = {}
    columns = list(kinds)
    for score, neg_pos, field_id, reason in sorted(candidates, reverse=True):
        column = columns[-neg_pos]
        if field_id in taken_fields or column in chosen:
            continue
        taken_fields.add(field_id)
        chosen[column] = (field_id, score, reason)
    if "date" not in taken_fields:
        first_date = next((c for c, k in kinds.items() if k == "date" and c not in chosen), None)
        if first_date is not None:
            chosen[first_date] = ("date", 0.7, _reason("only_dates"))
    out = []
    for column in columns:
        if column in chosen:
            field_id, score, (text, key, params) = chosen[column]
            out.append(ColumnSuggestion(column, field_id, score, text, key, params))
        else:
            text, key, params = _reason("no_field")
            out.append(ColumnSuggestion(column, None, 0.0, text, key, params))
    return tuple(out)


def mapping_from_suggestions(suggestions: tuple[ColumnSuggestion, ...]) -> dict[str, str]:
    """The column → field mapping that accepts every suggestion."""
    return {s.column: s.field for s in suggestions if s.field is not None}


def validate_mapping(
    mapping: Mapping[str, str], kinds: Mapping[str, str], *, locale: str = "en"
) -> list[Issue]:
    """Check a column → field mapping; an empty list means it can be used.

    Errors make KPIs impossible (a field mapped twice, an unknown column or
    field, a text column as a number); warnings limit what can be shown (no
    date column: no trends; no measures: no KPIs). Field names in the issues are
    written in ``locale`` (read them with ``issue.text(locale)``).
    """
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    for column, field_id in mapping.items():
        if column not in kinds:
            issues.append(issue("error", column, "mapping.no_column", column=column))
            continue
        if field_id not in FIELDS_BY_ID:
            valid = ", ".join(FIELDS_BY_ID)
            issues.append(
                issue("error", column, "mapping.unknown_field", field=field_id, valid=valid)
            )
            continue
        if field_id in seen:
            name = FIELDS_BY_ID[field_id].name(locale)
            issues.append(
                issue(
                    "error",
                    field_id,
                    "mapping.twice",
                    first=seen[field_id],
                    second=column,
                    field=name,
                )
            )
            continue
        seen[field_id] = column
        f = FIELDS_BY_ID[field_id]
        if kinds[column] not in _COMPATIBLE_KINDS[f.kind]:
            holds = kinds[column] if kinds[column] in ("date", "number", "id") else "text"
            need = {"date": "date", "dimension": "text"}.get(f.kind, "number")
            issues.append(
                issue(
                    "error",
                    column,
                    f"mapping.wrong_kind.{holds}_as_{need}",
                    column=column,
                    field=f.name(locale),
                )
            )
    if "date" not in seen:
        issues.append(
            issue("warning", "date", "mapping.no_date", date=FIELDS_BY_ID["date"].name(locale))
        )
    if not any(FIELDS_BY_ID[f].kind in ("count", "money") for f in seen if f in FIELDS_BY_ID):
        issues.append(issue("warning", "", "mapping.no_measures"))
    return issues


def apply_mapping(frame: pl.DataFrame, mapping: Mapping[str, str]) -> pl.DataFrame:
    """Rename mapped columns to their field ids; unmapped columns are kept.

    Measures become ``Float64`` and dimensions ``String``; a column whose
    name clashes with a field id it is not mapped to is renamed with a
    ``_source`` suffix so nothing is lost.

    Raises
    ------
    InputError
        When the mapping has errors (see :func:`validate_mapping`).
    """
    kinds = {c: _kind_of(frame.schema[c]) for c in frame.columns}
    errors = [i for i in validate_mapping(mapping, kinds) if i.level == "error"]
    if errors:
        # Every error in English; in another language the first, which is the one to fix first.
        first = errors[0]
        raise InputError(
            " ".join(i.message for i in errors), key=first.key, params=dict(first.params)
        )
    mapped_targets = set(mapping.values())
    renames: dict[str, str] = {}
    taken = set(frame.columns) | mapped_targets
    for column in frame.columns:
        if column in mapping:
            renames[column] = mapping[column]
        elif column in mapped_targets or column in FIELDS_BY_ID:
            new = f"{column}_source"
            n = 2
            while new in taken:
                new, n = f"{column}_source_{n}", n + 1
            taken.add(new)
            renames[column] = new
    out = frame.rename(renames)
    casts = []
    for field_id in mapped_targets:
        kind = FIELDS_BY_ID[field_id].kind
        if kind in ("count", "money"):
            casts.append(pl.col(field_id).cast(pl.Float64))
        elif kind == "dimension":
            casts.append(pl.col(field_id).cast(pl.String))
        else:
            casts.append(pl.col(field_id).cast(pl.Date))
    return out.with_columns(casts) if casts else out


def _kind_of(dtype: pl.DataType) -> str:
    if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
        return "date"
    if dtype.is_numeric():
        return "number"
    return "text"


def parse_map_options(options: list[str]) -> dict[str, str]:
    """Parse command-line ``COLUMN=FIELD`` pairs (the column may contain ``=``)."""
    out: dict[str, str] = {}
    for opt in options:
        column, sep, field_id = opt.rpartition("=")
        if not sep or not column.strip() or not field_id.strip():
            raise InputError.of("mapping.cli.not_a_pair", option=opt)
        out[column.strip()] = field_id.strip()
    return out


#: Used in overrides to leave a column unmapped (``--map "Note=none"``).
UNMAPPED = "none"


def resolve_mapping(
    kinds: Mapping[str, str], overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Accept the suggestions, then apply the user's ``column → field`` overrides.

    An override takes its field away from whichever column had it, so the
    user never has to unmap the suggestion first. ``"none"`` unmaps.

    Raises
    ------
    InputError
        When an override names a column the file does not have, or a field
        that does not exist.
    """
    mapping = mapping_from_suggestions(suggest_mapping(kinds))
    for column, field_id in (overrides or {}).items():
        if column not in kinds:
            have = ", ".join(f"‘{c}’" for c in kinds)
            raise InputError.of("mapping.cli.no_column", column=column, columns=have)
        if field_id == UNMAPPED:
            mapping.pop(column, None)
            continue
        if field_id not in FIELDS_BY_ID:
            valid = ", ".join(FIELDS_BY_ID)
            raise InputError.of("mapping.cli.unknown_field", field=field_id, valid=valid)
        for other, taken in list(mapping.items()):
            if taken == field_id and other != column:
                del mapping[other]
        mapping[column] = field_id
    return mapping


_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def fold(text: str) -> str:
    """Header text with Nordic letters folded (``Første`` and ``Forste`` read alike)."""
    return unicodedata.normalize("NFC", text).translate(_FOLD)


@dataclass(frozen=True)
class RoleMatcher:
    """Which column plays which role in a row-level export, from its header and kind.

    Used by the exports that are not summed into canonical fields (CRM leads, orders):
    each role has header phrases in four languages and the column kinds it accepts.

    Parameters
    ----------
    roles
        The roles in order of preference (a tie goes to the earlier role).
    words
        Role → header phrases, lower-case, as :func:`normalise_header` leaves them.
    kinds
        Role → the column kinds it accepts.
    generic
        Phrases too common to count when they are only part of a header ("dato" in
        "Ordredato" names the role; "dato" inside "Sidste kontakt dato" must not).
    """

    roles: tuple[str, ...]
    words: Mapping[str, tuple[str, ...]]
    kinds: Mapping[str, frozenset[str]]
    generic: frozenset[str] = frozenset()

    def score(self, header: str, role: str) -> float:
        """1.0 for a known header, 0.8 when the header contains a known phrase, else 0."""
        folded = fold(normalise_header(header))
        if not folded:
            return 0.0
        generic = {fold(w) for w in self.generic}
        best = 0.0
        padded = f" {folded} "
        for word in (fold(w) for w in self.words[role]):
            if folded == word:
                return 1.0
            if word not in generic and f" {word} " in padded:
                best = 0.8
        return best

    def suggest(
        self,
        kinds: Mapping[str, str],
        *,
        adjust: Callable[[str, str, float], float] | None = None,
    ) -> dict[str, str]:
        """Role → column for every role a header names; each column and role used once.

        ``adjust(role, column, score)`` may change a match's score (0 drops it), e.g. to
        prefer an "NPS" header when NPS answers are wanted.
        """
        columns = list(kinds)
        candidates = []
        for pos, (column, kind) in enumerate(kinds.items()):
            for rank, role in enumerate(self.roles):
                if kind not in self.kinds[role]:
                    continue
                score = self.score(column, role)
                if adjust is not None and score > 0:
                    score = adjust(role, column, score)
                if score > 0:
                    candidates.append((-score, pos, rank, role))
        chosen: dict[str, str] = {}
        used: set[int] = set()
        for _, pos, _, role in sorted(candidates):
            if role in chosen or pos in used:
                continue
            chosen[role] = columns[pos]
            used.add(pos)
        return chosen
