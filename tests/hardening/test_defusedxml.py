"""openpyxl parses XML through defusedxml: entity bombs and external entities are refused."""

from __future__ import annotations

import io
import warnings

import defusedxml
import openpyxl
import openpyxl.xml
import pytest

from tests.hardening import corpus


def test_openpyxl_found_defusedxml() -> None:
    # openpyxl decides once, at import, whether to parse through defusedxml.
    assert openpyxl.xml.DEFUSEDXML is True
    from openpyxl.xml import functions

    assert functions.fromstring.__module__.startswith("defusedxml")
    assert functions.iterparse.__module__.startswith("defusedxml")


def _hostile_books() -> list[tuple[str, bytes]]:
    rows = [corpus.HEADER, *corpus.daily(3)]
    return [
        (
            "laughs-in-workbook",
            corpus.xlsx(rows, workbook_doctype=corpus.billion_laughs()),
        ),
        ("laughs-in-sheet", corpus.entity_in_sheet(corpus.billion_laughs(), "&lol9;")),
        (
            "laughs-in-shared-strings",
            corpus.entity_in_shared_strings(corpus.billion_laughs(), "&lol9;"),
        ),
        ("xxe-in-sheet", corpus.entity_in_sheet(corpus.external_entity(), "&xxe;")),
        (
            "xxe-in-shared-strings",
            corpus.entity_in_shared_strings(corpus.external_entity(), "&xxe;"),
        ),
    ]


def _causes(exc: BaseException) -> list[BaseException]:
    chain = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return chain


@pytest.mark.parametrize(
    ("case", "data"), _hostile_books(), ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("read_only", [False, True], ids=["normal", "read-only"])
def test_openpyxl_refuses_entity_declarations(case: str, data: bytes, read_only: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no default style": the corpus writes a bare stylesheet
        with pytest.raises(Exception) as caught:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)
            for sheet in workbook.worksheets:
                list(sheet.iter_rows(values_only=True))
    refused = [e for e in _causes(caught.value) if isinstance(e, defusedxml.DefusedXmlException)]
    assert refused, f"{case}: openpyxl failed, but not because defusedxml refused it"
    assert isinstance(refused[0], defusedxml.EntitiesForbidden | defusedxml.DTDForbidden)


def test_the_same_workbook_without_the_doctype_loads() -> None:
    # The control: the corpus writer makes workbooks openpyxl reads.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(
            io.BytesIO(corpus.xlsx([corpus.HEADER, *corpus.daily(3)]))
        )
    values = list(workbook["Data"].iter_rows(values_only=True))
    assert values[0] == tuple(corpus.HEADER) and len(values) == 4
