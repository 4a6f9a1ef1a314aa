"""User-facing findings about input, shared by every validator in the core.

A validator never prints and never raises for something the user can fix:
it returns :class:`Issue` objects and the caller (a page, the command line)
decides how to show them. :class:`InputError` is for the one case where
nothing useful can be produced at all (an unreadable file, an unknown field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
    """

    level: Level
    field: str
    message: str
    examples: tuple[str, ...] = ()
    count: int = 0


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

    def __init__(self, message: str, *, source: str = "", hint: str = "") -> None:
        self.source = source
        self.hint = hint
        text = message if not hint else f"{message} {hint}"
        super().__init__(text)


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

    def freeze(self) -> tuple[Issue, ...]:
        return tuple(self.items)
