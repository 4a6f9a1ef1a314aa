"""A seeded corpus of hostile and awkward files, generated in memory (nothing is committed).

Every builder returns the bytes of one file. Workbooks are written part by
part here (no writer library), so each test controls exactly what the XML
says: shared or inline strings, a DOCTYPE before the root element, a stale
``<dimension>``, formulas without cached values, error cells, merged cells,
hidden sheets. ``HOSTILE`` maps each file that must be refused to its file
name and builder; ``python -m tests.hardening.corpus DIR`` writes those, the
stale-dimension sheet and the Nordic CSVs to a folder for a look with other tools.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

SEED = 20_260_10
Cell = object  # str, int, float, bool, dt.date, None, Formula, Error
Rows = Sequence[Sequence[Cell]]

#: What an external entity would pull in, if a parser resolved it.
SECRET_PATH = "/etc/passwd"
SECRET_MARKERS = ("root:", "/bin/", "nologin")

# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``cached`` is the saved result (``None``: saved without one)."""

    text: str
    cached: float | None = None


@dataclass(frozen=True)
class Error:
    """An Excel error cell such as ``#DIV/0!``."""

    code: str


@dataclass
class Sheet:
    """One worksheet of a hand-built workbook."""

    name: str
    rows: Rows
    state: str = "visible"  # "visible", "hidden", "veryHidden"
    shared_strings: bool = True  # text as shared strings (Excel) or inline (openpyxl)
    dimension: str | None = "auto"  # "auto": the true span; None: no element; else as given
    merged: Sequence[str] = ()  # e.g. ("B1:C1",)
    doctype: bytes = b""  # put before the root element
    entity_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (r, c) -> "&name;"


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DATE_STYLE = 1  # index of the cellXfs entry with a date format
_EPOCH = dt.date(1899, 12, 30)
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def column_letters(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _span(rows: Rows) -> str:
    width = max((len(r) for r in rows), default=1) or 1
    return f"A1:{column_letters(width - 1)}{max(len(rows), 1)}"


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def add(self, text: str) -> int:
        self.count += 1
        return self.index.setdefault(text, len(self.index))


def _cell_xml(ref: str, value: Cell, strings: _Strings | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<v>{value.cached!r}</v>"
        return f'<c r="{ref}"><f>{escape(value.text.lstrip("="))}</f>{cached}</c>'
    if isinstance(value, Error):
        return f'<c r="{ref}" t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime):
        serial = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86_400
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = str(value)
    if strings is not None:
        return f'<c r="{ref}" t="s"><v>{strings.add(text)}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _sheet_xml(sheet: Sheet, strings: _Strings | None) -> bytes:
    parts = [f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
    if sheet.dimension == "auto":
        parts.append(f'<dimension ref="{_span(sheet.rows)}"/>')
    elif sheet.dimension is not None:
        parts.append(f'<dimension ref="{sheet.dimension}"/>')
    parts.append("<sheetData>")
    for r, row in enumerate(sheet.rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letters(c)}{r}"
            entity = sheet.entity_cells.get((r, c))
            if entity is not None:
                # The entity reference goes into the XML as is: a parser that
                # expands entities would put its replacement text in this cell.
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{entity}</t></is></c>')
            else:
                cells.append(_cell_xml(ref, value, strings))
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    parts.append("</sheetData>")
    if sheet.merged:
        merges = "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merged)
        parts.append(f'<mergeCells count="{len(sheet.merged)}">{merges}</mergeCells>')
    parts.append("</worksheet>")
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + sheet.doctype
    return head + "".join(parts).encode()


def _shared_strings_xml(
    strings: _Strings, *, doctype: bytes, entity_strings: Sequence[str]
) -> bytes:
    items = [f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings.index]
    items += [f"<si><t>{e}</t></si>" for e in entity_strings]
    total = strings.count + len(entity_strings)
    body = f'<sst xmlns="{_MAIN}" count="{total}" uniqueCount="{len(items)}">{"".join(items)}</sst>'
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + doctype + body.encode()


_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)


def xlsx(
    sheets: Sequence[Sheet] | Rows,
    *,
    shared_doctype: bytes = b"",
    entity_strings: Sequence[str] = (),
    workbook_doctype: bytes = b"",
) -> bytes:
    """A workbook written part by part.

    Parameters
    ----------
    sheets
        The sheets, or plain rows for one visible sheet ``Data``.
    shared_doctype, entity_strings
        A DOCTYPE for ``xl/sharedStrings.xml`` and raw ``<si>`` texts added
        after the real strings (entity references, for the XXE and bomb cases).
    workbook_doctype
        A DOCTYPE for ``xl/workbook.xml``.
    """
    if not sheets or not isinstance(sheets[0], Sheet):
        sheets = [Sheet("Data", sheets)]  # type: ignore[arg-type]
    strings = _Strings()
    sheet_parts = {}
    for i, sheet in enumerate(sheets, start=1):
        sheet_parts[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(
            sheet, strings if sheet.shared_strings else None
        )
    has_strings = bool(strings.index) or bool(entity_strings)
    overrides = [
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>',
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>',
    ]
    overrides += [
        f'<Override PartName="/{name}" ContentType="{_CT}.worksheet+xml"/>' for name in sheet_parts
    ]
    if has_strings:
        overrides.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        )
    content_types = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{_TYPES}">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"
    )
    root_rels = (
        f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheet_entries = "".join(
        f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"'
        + ("" if s.state == "visible" else f' state="{s.state}"')
        + "/>"
        for i, s in enumerate(sheets, start=1)
    )
    workbook = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + workbook_doctype
        + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
            f"<sheets>{sheet_entries}</sheets></workbook>"
        ).encode()
    )
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = [
        f'<Relationship Id="rId{i}" Type="{base}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    ]
    n = len(sheets)
    rels.append(f'<Relationship Id="rId{n + 1}" Type="{base}/styles" Target="styles.xml"/>')
    if has_strings:
        rels.append(
            f'<Relationship Id="rId{n + 2}" Type="{base}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    workbook_rels = (
        f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">' + "".join(rels) + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        zf.writestr("xl/styles.xml", _STYLES)
        for name, part in sheet_parts.items():
            zf.writestr(name, part)
        if has_strings:
            zf.writestr(
                "xl/sharedStrings.xml",
                _shared_strings_xml(strings, doctype=shared_doctype, entity_strings=entity_strings),
            )
    return buffer.getvalue()


# --------------------------------------------------------------------------- data


def daily(n: int, *, start: dt.date = dt.date(2025, 1, 1), seed: int = SEED) -> list[list[Cell]]:
    """``n`` days of Dato / Kanal / Klik / Omsætning with seeded numbers."""
    rng = random.Random(seed)
    channels = ("Google Ads", "Meta", "Nyhedsbrev")
    return [
        [
            start + dt.timedelta(days=i),
            channels[i % 3],
            rng.randint(10, 500),
            rng.randint(1, 99) * 10,
        ]
        for i in range(n)
    ]


HEADER = ["Dato", "Kanal", "Klik", "Omsætning"]


# --------------------------------------------------------------------------- XML attacks


def external_entity(path: str = SECRET_PATH) -> bytes:
    """A DOCTYPE declaring ``&xxe;`` as the content of a local file."""
    return f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{path}">]>'.encode()


def parameter_entity(path: str = SECRET_PATH) -> bytes:
    """Out-of-band XXE: a parameter entity that pulls a local file into the DTD itself."""
    return f'<!DOCTYPE x [<!ENTITY % xxe SYSTEM "file://{path}"> %xxe;]>'.encode()


def billion_laughs(levels: int = 9) -> bytes:
    """The classic entity bomb: ``&lol9;`` expands to 10⁹ ``lol`` (3 GB)."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels + 1):
        refs = f"&lol{level - 1};" * 10
        entities.append(f'<!ENTITY lol{level} "{refs}">')
    return f"<!DOCTYPE x [{''.join(entities)}]>".encode()


def quadratic_blowup(size: int = 50_000) -> bytes:
    """One big entity ``&a;``; used 20,000 times it is 1 GB without any nesting."""
    return f'<!DOCTYPE x [<!ENTITY a "{"x" * size}">]>'.encode()


def entity_in_sheet(doctype: bytes, entity: str, *, times: int = 1) -> bytes:
    """A small real workbook whose sheet XML declares ``doctype`` and uses ``entity`` in B3."""
    rows = [HEADER, *daily(5)]
    sheet = Sheet("Data", rows, doctype=doctype, entity_cells={(3, 1): entity * times})
    return xlsx([sheet])


def entity_in_shared_strings(doctype: bytes, entity: str, *, times: int = 1) -> bytes:
    """A small real workbook whose sharedStrings.xml declares ``doctype`` and uses ``entity``.

    The entity string is the last shared string; cell B3 points at it.
    """
    rows: list[list[Cell]] = [HEADER, *daily(5)]
    strings = _Strings()
    for row in rows:
        for value in row:
            if isinstance(value, str):
                strings.add(value)
    data = xlsx([Sheet("Data", rows)], shared_doctype=doctype, entity_strings=[entity * times])
    entity_index = len(strings.index)
    return rewrite_zip(
        data, {"xl/worksheets/sheet1.xml": lambda b: _repoint(b, "B3", entity_index)}
    )


#: The small XML parts that are parsed as documents (not streamed): where the
#: DOCTYPE goes and the element whose text (or attribute) uses the entity.
_PARTS = {
    "workbook": ("xl/workbook.xml", b"<workbook ", b'<sheet name="', b'<sheet name="&xxe;'),
    "styles": ("xl/styles.xml", b"<styleSheet ", b'<name val="', b'<name val="&xxe;'),
    "relationships": ("xl/_rels/workbook.xml.rels", b"<Relationships ", b"", b""),
}


def entity_in_part(part: str, doctype: bytes, *, use: bool = True) -> bytes:
    """A small real workbook with ``doctype`` in one of the parts of ``_PARTS``.

    With ``use`` the entity ``&xxe;`` is also referenced in that part.
    """
    member, root, before, after = _PARTS[part]

    def change(content: bytes) -> bytes:
        content = content.replace(root, doctype + root, 1)
        if use and before:
            content = content.replace(before, after, 1)
        return content

    return rewrite_zip(xlsx([HEADER, *daily(5)]), {member: change})


def _repoint(sheet: bytes, ref: str, index: int) -> bytes:
    return re.sub(
        rf'<c r="{ref}" t="s"><v>\d+</v></c>'.encode(),
        f'<c r="{ref}" t="s"><v>{index}</v></c>'.encode(),
        sheet,
    )


def rewrite_zip(data: bytes, changes: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """Copy a zip, passing the named members through functions of their bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            change = changes.get(info.filename)
            if change is not None:
                content = change(content)
            target.writestr(info.filename, content)
    return buffer.getvalue()


# --------------------------------------------------------------------------- size attacks


def stale_dimension(rows: int = 300_000) -> bytes:
    """A one-column sheet of ``rows`` numbers that declares ``<dimension ref="A1:A1"/>``.

    Written as a stream (each row is short), so building it costs well under a second.
    """
    body = io.StringIO()
    body.write(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:A1"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Klik</t></is></c></row>'
    )
    for r in range(2, rows + 2):
        body.write(f'<row r="{r}"><c r="A{r}"><v>{r - 1}</v></c></row>')
    body.write("</sheetData></worksheet>")
    template = xlsx([Sheet("Data", [["Klik"], [1]])])
    return rewrite_zip(template, {"xl/worksheets/sheet1.xml": lambda _: body.getvalue().encode()})


def xfd_corner() -> bytes:
    """A tiny workbook with cells at A1 and XFD1048576 and a dimension that hides the span."""
    sheet = Sheet("Data", [["Dato"]], dimension="A1:B2")
    data = xlsx([sheet])
    return rewrite_zip(
        data,
        {
            "xl/worksheets/sheet1.xml": lambda b: b.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
            )
        },
    )


def zip_bomb(size: int = 64 << 20) -> bytes:
    """An "xlsx" whose sheet unpacks from about 64 KB to ``size`` bytes of blanks."""
    data = xlsx([HEADER, *daily(3)])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<sheetData>", b"<sheetData>" + b" " * size)
            target.writestr(info.filename, content)
    return buffer.getvalue()


# --------------------------------------------------------------------------- OLE2 (xls, password)


def _compound_file(streams: Sequence[tuple[str, bytes]]) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors, no mini stream)."""
    import struct

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


def password_xlsx() -> bytes:
    """What Excel saves for a password-protected workbook: OLE2 with an encrypted package."""
    import struct

    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"
    return _compound_file(
        [("EncryptionInfo", info), ("EncryptedPackage", random.Random(SEED).randbytes(5000))]
    )


def _biff_record(kind: int, payload: bytes = b"") -> bytes:
    import struct

    return struct.pack("<HH", kind, len(payload)) + payload


def xls_book(rows: Rows, *, password: bool = False) -> bytes:
    """A BIFF8 .xls with one sheet ``Ark1`` of numbers and text (shared strings)."""
    import struct

    def unicode(text: str, *, wide_length: bool = True) -> bytes:
        length = struct.pack("<H" if wide_length else "<B", len(text))
        return length + b"\x01" + text.encode("utf-16-le")

    bof = lambda kind: _biff_record(  # noqa: E731
        0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06)
    )
    strings: list[str] = []
    for row in rows:
        for value in row:
            if isinstance(value, str) and value not in strings:
                strings.append(value)
    cells = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                payload = struct.pack("<HHHI", r, c, 0, strings.index(value))
                cells.append(_biff_record(0x00FD, payload))
            elif isinstance(value, (int, float)):
                cells.append(_biff_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))
    width = max(len(r) for r in rows)
    dims = _biff_record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    body = bof(0x0010) + dims + b"".join(cells) + _biff_record(0x000A)

    def globals_(offset: int) -> bytes:
        out = bof(0x0005)
        if password:
            out += _biff_record(0x002F, b"\x01\x00" + b"\x00" * 52)
        out += _biff_record(0x0042, struct.pack("<H", 1200))
        xf = _biff_record(0x00E0, struct.pack("<HHH", 0, 0, 0xFFF5) + b"\x00" * 14)
        out += xf * 17
        out += _biff_record(
            0x0085, struct.pack("<IBB", offset, 0, 0) + unicode("Ark1", wide_length=False)
        )
        sst = struct.pack("<II", len(strings), len(strings)) + b"".join(unicode(s) for s in strings)
        out += _biff_record(0x00FC, sst)
        return out + _biff_record(0x000A)

    offset = len(globals_(0))
    return _compound_file([("Workbook", globals_(offset) + body)])


# --------------------------------------------------------------------------- text files

NORDIC_ROWS = [
    ["Dato", "Kanal", "Land", "Besøg", "Leads", "Omsætning (kr.)", "Kundenr"],
    ["01-10-2026", "Søgning", "DK", "1.500", "60", "45.250,50", "00123"],
    ["02-10-2026", "Æblekampagne €", "NA", "1.000", "25", "15.000,00", "04567"],
    ["03-10-2026", "Øvrige", "NO", "2.000", "31", "1.234,56", "00042"],
    ["04-10-2026", "Nyhedsbrev Å", "SE", "750", "12", "9.999,99", "10000"],
]


def nordic_csv(encoding: str, *, delimiter: str = ";", line_end: str = "\r\n") -> bytes:
    """The Nordic rows as a CSV in ``encoding`` (``utf-8-sig`` adds the BOM, ``utf-16`` too)."""
    text = line_end.join(delimiter.join(row) for row in NORDIC_ROWS) + line_end
    return text.encode(encoding)


def random_bytes(n: int = 4096, *, seed: int = SEED) -> bytes:
    """Seeded noise that is neither a zip, an OLE2 file nor text."""
    data = bytearray(random.Random(seed).randbytes(n))
    data[:4] = b"\x00\x01\x02\x03"
    return bytes(data)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first part of a file, as an interrupted upload leaves it."""
    return data[: max(1, int(len(data) * keep))]


# --------------------------------------------------------------------------- the corpus


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("notes.txt", "hello")
    return buffer.getvalue()


def _good() -> bytes:
    return xlsx([HEADER, *daily(20)])


#: Files that must be refused with a message: id → (file name, builder).
HOSTILE: dict[str, tuple[str, Callable[[], bytes]]] = {
    "xxe-in-sheet": ("xxe.xlsx", lambda: entity_in_sheet(external_entity(), "&xxe;")),
    "xxe-in-shared-strings": (
        "xxe.xlsx",
        lambda: entity_in_shared_strings(external_entity(), "&xxe;"),
    ),
    "xxe-in-workbook": ("xxe.xlsx", lambda: entity_in_part("workbook", external_entity())),
    "xxe-declared-in-workbook": (
        "xxe.xlsx",
        lambda: entity_in_part("workbook", external_entity(), use=False),
    ),
    "xxe-in-styles": ("xxe.xlsx", lambda: entity_in_part("styles", external_entity())),
    "laughs-in-sheet": ("lol.xlsx", lambda: entity_in_sheet(billion_laughs(), "&lol9;")),
    "laughs-in-shared-strings": (
        "lol.xlsx",
        lambda: entity_in_shared_strings(billion_laughs(), "&lol9;"),
    ),
    "laughs-in-relationships": (
        "lol.xlsx",
        lambda: entity_in_part("relationships", billion_laughs(), use=False),
    ),
    "quadratic-in-sheet": (
        "quad.xlsx",
        lambda: entity_in_sheet(quadratic_blowup(), "&a;", times=20_000),
    ),
    "quadratic-in-shared-strings": (
        "quad.xlsx",
        lambda: entity_in_shared_strings(quadratic_blowup(), "&a;", times=20_000),
    ),
    "zip-bomb": ("bomb.xlsx", zip_bomb),
    "xfd-corner": ("xfd.xlsx", xfd_corner),
    "password-xlsx": ("hemmelig.xlsx", password_xlsx),
    "password-xls": ("hemmelig.xls", lambda: xls_book([["Dato", "Klik"], ["x", 1]], password=True)),
    "empty": ("tom.xlsx", lambda: b""),
    "blank-text": ("tom.csv", lambda: b" \r\n\t\r\n"),
    "bom-only": ("tom.csv", lambda: b"\xef\xbb\xbf"),
    "header-only": ("kun.csv", lambda: "Dato;Omsætning\r\n".encode()),
    "random-bytes": ("data.xlsx", random_bytes),
    "truncated-xlsx": ("halv.xlsx", lambda: truncated(_good())),
    "truncated-sheet-xml": (
        "halv.xlsx",
        lambda: rewrite_zip(_good(), {"xl/worksheets/sheet1.xml": lambda b: b[: len(b) // 2]}),
    ),
    "truncated-xls": (
        "halv.xls",
        lambda: truncated(
            xls_book([["Dato", "Klik"], *[[f"2025-01-{d:02d}", d] for d in range(1, 28)]]), 0.6
        ),
    ),
    "pdf-renamed": ("rapport.xlsx", lambda: b"%PDF-1.7\n" + random_bytes(500)),
    "png-renamed": ("rapport.csv", lambda: b"\x89PNG\r\n\x1a\n" + random_bytes(500)),
    "html-renamed": ("export.xls", lambda: b"<html><body><table><tr><td>1</td></tr></table>"),
    "zip-not-workbook": ("data.xlsx", _plain_zip),
}


def main(argv: Sequence[str]) -> int:
    """Write the corpus to a folder: ``python -m tests.hardening.corpus DIR``."""
    if len(argv) != 1:
        print("usage: python -m tests.hardening.corpus DIR", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    for case, (name, build) in HOSTILE.items():
        (folder / f"{case}-{name}").write_bytes(build())
    (folder / "stale-dimension.xlsx").write_bytes(stale_dimension())
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        (folder / f"nordic-{encoding}.csv").write_bytes(nordic_csv(encoding))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
