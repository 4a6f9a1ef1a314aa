"""Builders for the files the ingest tests read. Every file is generated here; none is committed.

Tests get the builders through the ``make`` fixture (a namespace), so they
work whatever import mode pytest runs in.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import types
import zipfile
from collections.abc import Sequence

import pytest

Rows = Sequence[Sequence[object]]


# --------------------------------------------------------------------------- xlsx


def xlsx(
    sheets: dict[str, Rows] | Rows,
    *,
    hidden: Sequence[str] = (),
    macro: bool = False,
) -> bytes:
    """An xlsx written by openpyxl.

    Cells: str, int, float, bool, date/datetime, None; a string starting with
    ``=`` is a formula saved *without* a cached value (openpyxl never computes
    one); ``#DIV/0!`` and the other error codes become error cells.
    """
    import openpyxl

    if not isinstance(sheets, dict):
        sheets = {"Sheet1": sheets}
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if macro:
        data = rewrite_zip(
            data,
            {
                "[Content_Types].xml": lambda b: b.replace(
                    b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
                )
            },
        )
    return data


def xlsxwriter_book(rows: Rows, *, sheet: str = "Data") -> bytes:
    """An xlsx written by xlsxwriter (shared strings, cached formula results)."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    worksheet = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                moment = (
                    value if isinstance(value, dt.datetime) else dt.datetime(*value.timetuple()[:3])
                )
                worksheet.write_datetime(r, c, moment, date_format)
            elif value is not None:
                worksheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def rewrite_zip(data: bytes, changes: dict[str, object]) -> bytes:
    """Copy a zip, passing the named members through functions of their bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            change = changes.get(info.filename)
            if change is not None:
                content = change(content)  # type: ignore[operator]
            target.writestr(info.filename, content)
    return buffer.getvalue()


def sheet_xml(data: bytes, change: object, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Rewrite one worksheet's XML."""
    return rewrite_zip(data, {member: change})


def xfd_bomb(*, honest_dimension: bool) -> bytes:
    """A 5 KB workbook with cells at A1 and XFD1048576 (calamine asks for 550 GB).

    With ``honest_dimension`` the sheet declares A1:XFD1048576 (the pre-check
    sees it); otherwise it claims A1:B2 and only the sandbox stands between
    calamine and the server.
    """
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Dato"
    sheet["XFD1048576"] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    if honest_dimension:
        return buffer.getvalue()
    return sheet_xml(
        buffer.getvalue(),
        lambda b: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', b),
    )


def sparse_span(rows: int, columns: int) -> bytes:
    """Two cells at A1 and the far corner, with a dimension that hides the span."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Dato"
    sheet[f"{get_column_letter(columns)}{rows}"] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return sheet_xml(
        buffer.getvalue(),
        lambda b: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', b),
    )


def zip_bomb(*, size: int = 64 << 20) -> bytes:
    """An "xlsx" whose one sheet unpacks from about 64 KB to ``size`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        target.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        target.writestr("xl/workbook.xml", "<workbook/>")
        target.writestr("xl/worksheets/sheet1.xml", b" " * size)
    return buffer.getvalue()


def claim_size(data: bytes, member: str, size: int) -> bytes:
    """Patch a zip's central directory so that one member claims ``size`` bytes unpacked."""
    out = bytearray(data)
    name = member.encode()
    position = out.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", out, position + 28)[0]
        if bytes(out[position + 46 : position + 46 + name_length]) == name:
            struct.pack_into("<I", out, position + 24, min(size, 0xFFFFFFFF))
            return bytes(out)
        position = out.find(b"PK\x01\x02", position + 4)
    raise AssertionError(f"{member} is not in the central directory")


# --------------------------------------------------------------------------- ods


def ods(sheets: dict[str, Rows] | Rows, *, hidden: Sequence[str] = ()) -> bytes:
    """An OpenDocument spreadsheet written with odfpy (str, int, float, date, None)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    if not isinstance(sheets, dict):
        sheets = {"Ark1": sheets}
    document = OpenDocumentSpreadsheet()
    hidden_style = Style(name="hiddenTable", family="table")
    hidden_style.addElement(TableProperties(display="false"))
    document.automaticstyles.addElement(hidden_style)
    for name, rows in sheets.items():
        options = {"name": name}
        if name in hidden:
            options["stylename"] = "hiddenTable"
        table = Table(**options)
        for row in rows:
            table_row = TableRow()
            for value in row:
                if value is None:
                    cell = TableCell()
                elif isinstance(value, bool):
                    cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
                elif isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                elif isinstance(value, dt.date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat())
                    cell.addElement(P(text=value.isoformat()))
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                table_row.addElement(cell)
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- xls (BIFF8)


def _record(kind: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(payload)) + payload


def _bof(substream: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 0x06))


def _xf(number_format: int) -> bytes:
    return _record(0x00E0, struct.pack("<HHH", 0, number_format, 0xFFF5) + b"\x00" * 14)


def _unicode(text: str, *, length_bytes: int = 2) -> bytes:
    length = struct.pack("<H" if length_bytes == 2 else "<B", len(text))
    return length + b"\x01" + text.encode("utf-16-le")


_BIFF_ERRORS = {"#NULL!": 0, "#DIV/0!": 7, "#VALUE!": 15, "#REF!": 23, "#NAME?": 29, "#N/A": 42}
_DATE_XF = 16  # the 17th XF record below uses number format 14 (a date)


def biff8(sheets: Sequence[tuple[str, bool, Rows]], *, password: bool = False) -> bytes:
    """A BIFF8 workbook stream: (name, visible, rows) per sheet.

    Cells: str (shared strings), int/float, bool, date (a number shown as a
    date), ``("error", "#DIV/0!")``, None. ``password`` adds a FILEPASS record.
    """
    strings: list[str] = []
    index: dict[str, int] = {}
    for _, _, rows in sheets:
        for row in rows:
            for value in row:
                if isinstance(value, str) and value not in index:
                    index[value] = len(strings)
                    strings.append(value)
    bodies = []
    for _, _, rows in sheets:
        cells = []
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, tuple):
                    payload = struct.pack("<HHHBB", r, c, 0, _BIFF_ERRORS[value[1]], 1)
                    cells.append(_record(0x0205, payload))
                elif isinstance(value, bool):
                    cells.append(_record(0x0205, struct.pack("<HHHBB", r, c, 0, int(value), 0)))
                elif isinstance(value, str):
                    cells.append(_record(0x00FD, struct.pack("<HHHI", r, c, 0, index[value])))
                elif isinstance(value, dt.date):
                    serial = (value - dt.date(1899, 12, 30)).days
                    cells.append(_record(0x0203, struct.pack("<HHHd", r, c, _DATE_XF, serial)))
                else:
                    cells.append(_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))
        width = max((len(row) for row in rows), default=0)
        dimensions = _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        bodies.append(_bof(0x0010) + dimensions + b"".join(cells) + _record(0x000A))

    def workbook_globals(offsets: list[int]) -> bytes:
        out = _bof(0x0005)
        if password:
            out += _record(0x002F, b"\x01\x00" + b"\x00" * 52)
        out += _record(0x0042, struct.pack("<H", 1200))
        out += b"".join(_xf(0) for _ in range(16)) + _xf(14)
        for (name, visible, _), offset in zip(sheets, offsets, strict=True):
            payload = struct.pack("<IBB", offset, 0 if visible else 1, 0)
            out += _record(0x0085, payload + _unicode(name, length_bytes=1))
        sst = struct.pack("<II", len(strings), len(strings))
        out += _record(0x00FC, sst + b"".join(_unicode(s) for s in strings))
        return out + _record(0x000A)

    position = len(workbook_globals([0] * len(sheets)))
    offsets = []
    for body in bodies:
        offsets.append(position)
        position += len(body)
    return workbook_globals(offsets) + b"".join(bodies)


def compound_file(streams: Sequence[tuple[str, bytes]]) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors; streams padded past the mini cutoff)."""
    sector = 512
    end_of_chain, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    padded = [(name, data.ljust(4096, b"\x00")) for name, data in streams]
    directory_sectors = (len(padded) + 1 + 3) // 4
    data_sectors = [(len(data) + sector - 1) // sector for _, data in padded]
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + directory_sectors + sum(data_sectors):
        fat_sectors += 1
    fat = [fat_sector] * fat_sectors
    directory_start = len(fat)
    fat += [directory_start + i + 1 for i in range(directory_sectors - 1)] + [end_of_chain]
    starts = []
    for count in data_sectors:
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end_of_chain]
    fat += [free] * (fat_sectors * 128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", no_stream, right, child)
            + b"\x00" * 36
            + struct.pack("<IQ", start, size)
        )

    entries = [entry("Root Entry", 5, end_of_chain, 0, 1 if padded else no_stream, no_stream)]
    for i, ((name, data), start) in enumerate(zip(padded, starts, strict=True)):
        right = i + 2 if i + 1 < len(padded) else no_stream
        entries.append(entry(name, 2, start, len(data), no_stream, right))
    directory = b"".join(entries).ljust(directory_sectors * sector, b"\x00")
    difat = list(range(fat_sectors)) + [free] * (109 - fat_sectors)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack(
            "<IIIIIIII", 0, fat_sectors, directory_start, 0, 4096, end_of_chain, 0, end_of_chain
        )
        + struct.pack("<I", 0)
    )[:76] + struct.pack("<109I", *difat)
    body = b"".join(struct.pack("<128I", *fat[i * 128 : (i + 1) * 128]) for i in range(fat_sectors))
    body += directory
    body += b"".join(
        data.ljust(((len(data) + sector - 1) // sector) * sector, b"\x00") for _, data in padded
    )
    return header + body


def xls(
    sheets: dict[str, Rows] | Rows, *, hidden: Sequence[str] = (), password: bool = False
) -> bytes:
    """An .xls (BIFF8 in an OLE2 container), hand-built: no writer library is installed."""
    if not isinstance(sheets, dict):
        sheets = {"Ark1": sheets}
    stream = biff8([(n, n not in hidden, rows) for n, rows in sheets.items()], password=password)
    return compound_file([("Workbook", stream)])


def encrypted_ooxml() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2 file with these streams."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"
    return compound_file([("EncryptionInfo", info), ("EncryptedPackage", bytes(range(256)) * 20)])


@pytest.fixture
def make() -> types.SimpleNamespace:
    """The file builders of this module."""
    return types.SimpleNamespace(
        xlsx=xlsx,
        xlsxwriter_book=xlsxwriter_book,
        rewrite_zip=rewrite_zip,
        sheet_xml=sheet_xml,
        xfd_bomb=xfd_bomb,
        sparse_span=sparse_span,
        zip_bomb=zip_bomb,
        claim_size=claim_size,
        ods=ods,
        xls=xls,
        compound_file=compound_file,
        encrypted_ooxml=encrypted_ooxml,
    )
