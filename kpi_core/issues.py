"""User-facing findings about input, shared by every validator in the core.

A validator never prints and never raises for something the user can fix:
it returns :class:`Issue` objects and the caller (a page, the command line)
decides how to show them. :class:`InputError` is for the one case where
nothing useful can be produced at all (an unreadable file, an unknown field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kpi_core.i18n import Msg, row_words, t

Level = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Issue:
    """One finding about the input, in words a business owner understands.

    Parameters
    ----------
    level
        ``"info"`` (worth knowing), ``"warning"`` (data was changed or left
        out) or ``"error"`` (the result cannot be trusted).
    field
        What the finding is about: a column name, a canonical field id, a
        KPI id, or ``""`` for the file as a whole.
    message
        A complete sentence that says what happened and, where it helps,
        what to do.
    examples
        A few concrete values or row numbers that show the problem.
    count
        How many cells or rows the finding covers (0 when not countable).
    key, params
        The catalogue message and its values, so the finding can be read in any
        language (:meth:`text`); ``message`` is its English text.
    """

    level: Level
    field: str
    message: str
    examples: tuple[str, ...] = ()
    count: int = 0
    key: str = ""
    params: tuple[tuple[str, object], ...] = ()

    def text(self, locale: str = "en") -> str:
        """The finding in ``locale`` (the English message for an issue without a key)."""
        if not self.key:
            return self.message
        return row_words(t(self.key, locale=locale, **dict(self.params)), locale=locale)

    def examples_in(self, locale: str = "en") -> tuple[str, ...]:
        """The examples in ``locale`` (``row 15`` becomes ``række 15`` in Danish)."""
        return tuple(row_words(e, locale=locale) for e in self.examples)


def issue(
    level: Level,
    field_: str,
    key: str,
    *,
    examples: tuple[str, ...] | list[str] = (),
    count: int = 0,
    **params: object,
) -> Issue:
    """An :class:`Issue` worded by the catalogue message ``key``.

    ``count`` is both the issue's count and, for a message with plural forms, the
    number that picks the form.

    >>> issue("warning", "revenue", "common.rows", count=2).text("da")
    '2 rækker'
    """
    if count:
        params = {"count": count, **params}
    return Issue(
        level,
        field_,
        t(key, **params),
        tuple(examples),
        count,
        key,
        tuple(params.items()),
    )


@dataclass(frozen=True)
class ExcludedRow:
    """A row of the source that was deliberately left out of the data."""

    row: int  # 1-based row number as the user sees it in the sheet or file
    reason: str
    preview: str = ""


class InputError(Exception):
    """Input that cannot be used at all; ``str(err)`` is the user's message.

    The message names the file (or option) and says what to do. Callers show
    it as is: in the UI with ``st.error``, on the command line as one
    ``error:`` line on stderr with exit code 2.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        hint: str = "",
        key: str = "",
        params: dict[str, object] | None = None,
    ) -> None:
        self.source = source
        self.hint = hint
        self.key = key
        self.params = dict(params or {})
        text = message if not hint else f"{message} {hint}"
        super().__init__(text)

    @classmethod
    def of(cls, key: str, *, source: str = "", **params: object) -> InputError:
        """The error worded by catalogue message ``key`` (its English text is ``str(err)``).

        >>> str(InputError.of("common.rows", count=3))
        '3 rows'
        """
        if source:
            params = {"source": source, **params}  # a message may name the file
        return cls(t(key, **params), source=source, key=key, params=params)

    def text(self, locale: str = "en") -> str:
        """The message in ``locale`` (the English text for an error without a key)."""
        if not self.key:
            return str(self)
        return t(self.key, locale=locale, **self.params)

    def inner(self) -> Msg | str:
        """The error as a value inside another message, read in that message's language."""
        return Msg.of(self.key, **self.params) if self.key else str(self)


@dataclass
class IssueLog:
    """Collects issues while a pipeline runs; frozen into a tuple at the end."""

    items: list[Issue] = field(default_factory=list)

    def add(
        self,
        level: Level,
        field_: str,
        message: str,
        *,
        examples: tuple[str, ...] | list[str] = (),
        count: int = 0,
    ) -> None:
        self.items.append(Issue(level, field_, message, tuple(examples), count))

    def say(
        self,
        level: Level,
        field_: str,
        key: str,
        *,
        examples: tuple[str, ...] | list[str] = (),
        count: int = 0,
        **params: object,
    ) -> None:
        """Add an issue worded by catalogue message ``key`` (see :func:`issue`)."""
        self.items.append(issue(level, field_, key, examples=examples, count=count, **params))

    def freeze(self) -> tuple[Issue, ...]:
        return tuple(self.items)
