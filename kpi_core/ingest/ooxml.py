"""Just enough of the xlsx format to look before calamine reads.

calamine parses a whole sheet whatever is asked of it (6–13 s for a million
rows), and openpyxl's read-only mode loads the whole shared-string table
first (18 s for a million strings). Finding the header needs only the first
rows, so this module streams the sheet XML and reads the top rows itself,
resolving only the shared strings it needs. It also lists the sheets with
their visibility, counts value cells to find the data sheet, and finds
formulas saved without a result, all by streaming the archive in bounded
chunks. Small XML parts (workbook, relationships, styles) go through
``defusedxml``; sheet data is matched with regular expressions, which
expand no entities and so cannot be made to blow up.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from kpi_core.ingest.values import format_number
from kpi_core.issues import InputError

_CHUNK = 1 << 20
_MAX_PART_BYTES = 32 << 20  # workbook.xml, rels, styles: anything bigger is not a real workbook
_PREVIEW_MAX_BYTES = 16 << 20

_ROW_RE = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR_RE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_V_RE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_T_RE = re.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
_RPH_RE = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_SI_RE = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_REF_RE = re.compile(r"^([A-Z]{1,3})?([0-9]+)?$")
_ESCAPED_CHAR_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# A formula element followed, before the cell closes, by no value or an empty one.
_FORMULA_NO_VALUE_RE = re.compile(
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_CELL_START_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")

_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})


@dataclass(frozen=True)
class SheetEntry:
    """One sheet as the workbook part lists it."""

    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    path: str | None  # zip member of the sheet XML
    is_worksheet: bool


@dataclass(frozen=True)
class Catalog:
    """The sheets, and where styles and shared strings live."""

    sheets: tuple[SheetEntry, ...]
    shared_strings: str | None
    styles: str | None
    date1904: bool


@dataclass
class FormulaScan:
    """Formulas saved without a result: where they are, and how many per column."""

    per_column: dict[int, int] = field(default_factory=dict)
    cells: list[tuple[int, int]] = field(default_factory=list)  # (1-based row, 0-based col)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_part(zf: zipfile.ZipFile, name: str, *, source: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > _MAX_PART_BYTES:
        raise InputError.of(
            "ingest.guard.big_part",
            source=source,
            file=source,
            part=name,
            megabytes=info.file_size // (1 << 20),
        )
    return zf.read(name)


def _parse_xml(zf: zipfile.ZipFile, name: str, *, source: str) -> Element:
    try:
        return SafeET.fromstring(_read_part(zf, name, source=source))
    except InputError:
        raise
    except DefusedXmlException as exc:
        # Entities (a "billion laughs" bomb, or a reference to a file on the server) are
        # refused, never expanded; say so without the parser's internals.
        raise InputError.of(
            "ingest.guard.xml_entities", source=source, file=source, part=name
        ) from exc
    except Exception as exc:  # defusedxml raises several types for broken XML
        reason = str(exc).split(":")[0] if isinstance(exc, SafeET.ParseError) else "unreadable"
        raise InputError.of(
            "ingest.guard.bad_xml", source=source, file=source, part=name, reason=reason
        ) from exc


def _relationships(zf: zipfile.ZipFile, part: str, *, source: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type suffix, zip member) for one part."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in zf.NameToInfo:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in _parse_xml(zf, rels_name, source=source):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        member = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        member = posixpath.normpath(member)
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], member)
    return out


def workbook_part(zf: zipfile.ZipFile) -> str:
    """The zip member holding the workbook part (usually ``xl/workbook.xml``)."""
    info = zf.NameToInfo.get("_rels/.rels")
    if info is not None and info.file_size < _MAX_PART_BYTES:
        match = re.search(rb'Target="/?([^"]*workbook[^"]*\.xml)"', zf.read(info))
        if match and match.group(1).decode() in zf.NameToInfo:
            return match.group(1).decode()
    return "xl/workbook.xml"


def catalog(zf: zipfile.ZipFile, *, source: str) -> Catalog:
    """List the sheets of an xlsx/xlsm archive in workbook order, with visibility."""
    part = workbook_part(zf)
    if part not in zf.NameToInfo:
        raise InputError.of("ingest.guard.no_workbook", source=source, file=source)
    root = _parse_xml(zf, part, source=source)
    rels = _relationships(zf, part, source=source)
    sheets: list[SheetEntry] = []
    date1904 = False
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "workbookPr":
            date1904 = element.get("date1904", "0").lower() in ("1", "true")
        if tag != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        rel_type, member = rels.get(rel_id, ("", None))
        sheets.append(
            SheetEntry(
                name=element.get("name", ""),
                state=element.get("state", "visible"),
                path=member if member in zf.NameToInfo else None,
                is_worksheet=rel_type == "worksheet",
            )
        )
    by_type = {rel_type: member for rel_type, member in rels.values()}
    shared = by_type.get("sharedStrings")
    styles = by_type.get("styles")
    return Catalog(
        sheets=tuple(sheets),
        shared_strings=shared if shared in zf.NameToInfo else None,
        styles=styles if styles in zf.NameToInfo else None,
        date1904=date1904,
    )


def _is_date_format(code: str) -> bool:
    # Quoted literals, escapes and [colour]/[$-locale] sections carry letters that
    # are not date parts; elapsed-time brackets such as [h] are dates.
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    code = re.sub(r"\[(?![hms]+\])[^\]]*\]", "", code, flags=re.I)
    return bool(re.search(r"[dmyhs]", code, flags=re.I))


def date_styles(zf: zipfile.ZipFile, cat: Catalog, *, source: str) -> frozenset[int]:
    """Indexes of the cell formats (``s=`` attribute) that show a number as a date."""
    if cat.styles is None:
        return frozenset()
    root = _parse_xml(zf, cat.styles, source=source)
    custom: dict[int, str] = {}
    dated: set[int] = set()
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            try:
                custom[int(element.get("numFmtId", "-1"))] = element.get("formatCode", "")
            except ValueError:
                continue
    for element in root.iter():
        if _local(element.tag) != "cellXfs":
            continue
        for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
            try:
                fmt = int(xf.get("numFmtId", "0"))
            except ValueError:
                continue
            if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and _is_date_format(custom[fmt])):
                dated.add(index)
    return frozenset(dated)


def _chunks(zf: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    with zf.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def _complete_rows(zf: zipfile.ZipFile, member: str, *, limit: int | None) -> Iterator[bytes]:
    """Yield buffers of the sheet XML that end where a row starts.

    A cell never straddles two buffers, so each can be matched on its own.
    """
    carry = b""
    read = 0
    for chunk in _chunks(zf, member):
        read += len(chunk)
        buffer = carry + chunk
        cut = buffer.rfind(b"<row")
        prefixed = buffer.rfind(b":row ")
        if prefixed > cut:
            cut = buffer.rfind(b"<", 0, prefixed)
        if cut <= 0 and len(buffer) > 64 * _CHUNK:
            cut = len(buffer)  # one enormous row: give up keeping cells whole
        if cut > 0:
            yield buffer[:cut]
            carry = buffer[cut:]
        else:
            carry = buffer
        if limit is not None and read >= limit:
            break
    if carry:
        yield carry


def _text(raw: bytes) -> str:
    text = html.unescape(raw.decode("utf-8", errors="replace"))
    return _ESCAPED_CHAR_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR_RE.findall(raw)}


def _shared_strings(zf: zipfile.ZipFile, member: str | None, wanted: set[int]) -> dict[int, str]:
    """Read shared strings only up to the highest index needed."""
    if member is None or not wanted:
        return {}
    last = max(wanted)
    out: dict[int, str] = {}
    index = 0
    carry = b""
    for chunk in _chunks(zf, member):
        buffer = carry + chunk
        end = 0
        for match in _SI_RE.finditer(buffer):
            if index in wanted:
                body = _RPH_RE.sub(b"", match.group(1) or b"")
                out[index] = "".join(_text(t.group(1) or b"") for t in _T_RE.finditer(body))
            index += 1
            end = match.end()
            if index > last:
                return out
        carry = buffer[end:]
    return out


def serial_text(serial: float, *, date1904: bool = False) -> str:
    """An Excel serial day number as calamine writes a date cell (``2025-01-31 00:00:00``)."""
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    try:
        moment = epoch + dt.timedelta(days=serial)
    except (OverflowError, ValueError):
        return format_number(serial)
    return moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")


def preview_rows(
    zf: zipfile.ZipFile, cat: Catalog, member: str, *, rows: int | None, source: str
) -> list[tuple[int, dict[int, str]]]:
    """The first non-blank rows of a sheet (``rows=None``: all), as text in the form calamine gives.

    Parameters
    ----------
    zf, cat
        The open archive and its catalog.
    member
        Zip member of the sheet XML.
    rows
        How many non-blank rows to return at most; ``None`` reads the whole sheet (for a
        sheet calamine refuses, such as one with Excel 365's ``#SPILL!`` cells).
    source
        File name for messages.

    Returns
    -------
    list of (row, cells)
        1-based row number and a mapping of 0-based column to cell text.
    """
    date_formats = date_styles(zf, cat, source=source)
    raw_rows: list[tuple[int, list[tuple[int, dict[bytes, bytes], bytes]]]] = []
    row_number = 0
    # Twice the rows asked for: some rows hold only blank strings.
    wanted_rows = rows * 2 if rows is not None else None
    limit = _PREVIEW_MAX_BYTES if rows is not None else None
    for buffer in _complete_rows(zf, member, limit=limit):
        for row_match in _ROW_RE.finditer(buffer):
            declared = _attrs(row_match.group(1)).get(b"r", b"")
            row_number = int(declared) if declared.isdigit() else row_number + 1
            cells: list[tuple[int, dict[bytes, bytes], bytes]] = []
            column = -1
            for cell_match in _CELL_RE.finditer(row_match.group(2) or b""):
                cell_attrs = _attrs(cell_match.group(1))
                ref = _REF_RE.match(cell_attrs.get(b"r", b"").decode("ascii", "replace"))
                column = _column_index(ref.group(1)) if ref and ref.group(1) else column + 1
                cells.append((column, cell_attrs, cell_match.group(2) or b""))
            if cells:
                raw_rows.append((row_number, cells))
                if wanted_rows is not None and len(raw_rows) >= wanted_rows:
                    break
        if wanted_rows is not None and len(raw_rows) >= wanted_rows:
            break
    wanted: set[int] = set()
    for _, cells in raw_rows:
        for _, attrs, body in cells:
            value = _V_RE.search(body)
            if attrs.get(b"t") == b"s" and value and value.group(1).strip().isdigit():
                wanted.add(int(value.group(1)))
    strings = _shared_strings(zf, cat.shared_strings, wanted)
    out: list[tuple[int, dict[int, str]]] = []
    for row_number, cells in raw_rows:
        texts: dict[int, str] = {}
        for column, attrs, body in cells:
            text = _cell_text(attrs, body, strings, date_formats, date1904=cat.date1904)
            if text is not None and text.strip():
                texts[column] = text
        if texts:
            out.append((row_number, texts))
        if rows is not None and len(out) >= rows:
            break
    return out


def _cell_text(
    attrs: dict[bytes, bytes],
    body: bytes,
    strings: dict[int, str],
    date_formats: frozenset[int],
    *,
    date1904: bool,
) -> str | None:
    kind = attrs.get(b"t", b"n")
    if kind == b"inlineStr":
        body = _RPH_RE.sub(b"", body)
        return "".join(_text(t.group(1) or b"") for t in _T_RE.finditer(body))
    value = _V_RE.search(body)
    if value is None:
        return None
    raw = value.group(1)
    if kind == b"s":
        return strings.get(int(raw)) if raw.strip().isdigit() else None
    if kind in (b"str", b"e"):
        return _text(raw)
    if kind == b"b":
        return "true" if raw.strip() == b"1" else "false"
    if kind == b"d":
        return _text(raw).replace("T", " ")
    try:
        number = float(raw)
    except ValueError:
        return _text(raw)
    style = int(attrs.get(b"s", b"0") or 0) if attrs.get(b"s", b"0").isdigit() else 0
    if style in date_formats:
        return serial_text(number, date1904=date1904)
    return format_number(number)


def count_value_cells(zf: zipfile.ZipFile, member: str) -> int:
    """How many cells of a sheet hold a value (formula results included)."""
    total = 0
    for chunk in _complete_rows(zf, member, limit=None):
        total += chunk.count(b"</v>") + chunk.count(b"</is>")
        total += (chunk.count(b":v>") + chunk.count(b":is>")) // 2
    return total


def scan_formulas_without_values(
    zf: zipfile.ZipFile, member: str, *, keep: int = 100_000
) -> FormulaScan:
    """Find formula cells saved without a cached result.

    Programs that write formulas without calculating them (openpyxl, many
    exporters) leave these cells empty for every reader. The scan streams the
    sheet once; only chunks that contain a formula are searched.

    Parameters
    ----------
    zf
        The open archive.
    member
        Zip member of the sheet XML.
    keep
        At most this many cell positions are kept (all are counted).
    """
    scan = FormulaScan()
    for buffer in _complete_rows(zf, member, limit=None):
        if b"<f" not in buffer and b":f" not in buffer:
            continue
        for match in _FORMULA_NO_VALUE_RE.finditer(buffer):
            start = buffer.rfind(b"<c", 0, match.start())
            cell = _CELL_START_RE.match(buffer, start) if start >= 0 else None
            if cell is None:
                start = max(buffer.rfind(b":c ", 0, match.start()) - 10, 0)
                cell = _CELL_START_RE.search(buffer, start, match.start())
            attrs = _attrs(cell.group(1)) if cell else {}
            if attrs.get(b"t") == b"str" and match.group(1):
                continue  # a formula whose saved result is the empty string
            ref = _REF_RE.match(attrs.get(b"r", b"").decode("ascii", "replace"))
            if not ref or not ref.group(1) or not ref.group(2):
                continue
            column, row = _column_index(ref.group(1)), int(ref.group(2))
            scan.per_column[column] = scan.per_column.get(column, 0) + 1
            if len(scan.cells) < keep:
                scan.cells.append((row, column))
    return scan


def declared_dimensions(zf: zipfile.ZipFile, member: str) -> tuple[int, int] | None:
    """Rows and columns spanned by a sheet's ``<dimension ref>``, read from its first bytes."""
    with zf.open(member) as stream:
        head = stream.read(64 << 10)
    match = re.search(
        rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"', head
    )
    if match is None:
        return None
    first_col, first_row = _column_index(match.group(1).decode()), int(match.group(2))
    if match.group(3):
        last_col, last_row = _column_index(match.group(3).decode()), int(match.group(4))
    else:
        last_col, last_row = first_col, first_row
    return abs(last_row - first_row) + 1, abs(last_col - first_col) + 1
