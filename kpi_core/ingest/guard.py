"""Limits that keep one upload from taking the server down, and the archive pre-check.

Two dangers were measured on this stack: a 5 KB workbook whose cells span
A1:XFD1048576 makes calamine try to allocate 550 GB and abort the whole
process, and a 1 MB zip can unpack to hundreds of megabytes of XML. The
pre-check here rejects what the archive's own directory already gives away,
in milliseconds and before any parser runs; the sandbox (``sandbox.py``)
bounds everything else with memory and time limits.
"""

from __future__ import annotations

import zipfile

from kpi_core.ingest import ooxml
from kpi_core.ingest.sandbox import MEMORY_LIMIT
from kpi_core.issues import InputError

MIB = 1 << 20
GIB = 1 << 30

# Text files are parsed by polars' CSV reader (no native abort risk); above
# this size they still go to the sandbox, so their memory is bounded too and a
# server's other sessions go on while it reads (ui/loaders.py). Reading takes
# about 0.2 s per MiB in process; the child adds about 0.4 s to start.
INPROCESS_TEXT_BYTES = 1 * MIB
MAX_TEXT_BYTES = 512 * MIB

MAX_ZIP_MEMBERS = 10_000  # real workbooks have tens to a few hundred parts
# Sheet XML of a full 1M-row × 13-column sheet is about 0.5 GB; a sheet that
# unpacks to more than 3 GiB could not be read within MEMORY_LIMIT anyway.
MAX_UNCOMPRESSED = 3 * GIB
# Sheet XML compresses 5–20×; a zip bomb compresses 200–1000×. Small members
# are exempt: their ratio is meaningless and their size harmless.
MAX_RATIO = 100
RATIO_EXEMPT_BYTES = 16 * MIB
# calamine keeps a dense grid of 32-byte cells from the first to the last
# used cell, so the declared span bounds its memory from below.
CELL_BYTES = 32


def _size(n: int) -> str:
    if n >= GIB:
        return f"{n / GIB:.1f} GB"
    return f"{max(n // MIB, 1)} MB"


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
# Python builds an object per directory entry, so the directory is sized up
# from its end record before zipfile reads it.
MAX_ZIP_DIRECTORY = 16 * MIB


def check_zip_directory(data: bytes, *, source: str) -> None:
    """Refuse a zip whose central directory alone is too big to read safely.

    Reads only the end-of-directory record (and its Zip64 twin), so a file
    claiming millions of parts is refused before any of them is parsed.

    Raises
    ------
    InputError
        Too many parts, or a directory larger than ``MAX_ZIP_DIRECTORY``.
    """
    end = data.rfind(_EOCD, max(0, len(data) - (1 << 16) - 22))
    if end < 0 or end + 22 > len(data):
        raise damaged(source)
    entries = int.from_bytes(data[end + 10 : end + 12], "little")
    size = int.from_bytes(data[end + 12 : end + 16], "little")
    locator = end - 20
    if locator >= 0 and data[locator : locator + 4] == _ZIP64_LOCATOR:
        offset = int.from_bytes(data[locator + 8 : locator + 16], "little")
        if data[offset : offset + 4] == _ZIP64_EOCD:
            entries = int.from_bytes(data[offset + 32 : offset + 40], "little")
            size = int.from_bytes(data[offset + 40 : offset + 48], "little")
    if entries > MAX_ZIP_MEMBERS or size > MAX_ZIP_DIRECTORY:
        raise InputError.of("ingest.guard.parts", source=source, file=source, parts=entries)


def check_archive(zf: zipfile.ZipFile, *, source: str) -> None:
    """Refuse an archive whose directory shows it would unpack to too much.

    Parameters
    ----------
    zf
        The opened archive (only its directory and the first bytes of each
        worksheet are read).
    source
        File name for messages.

    Raises
    ------
    InputError
        Too many parts, too much unpacked data, a suspicious compression
        ratio, or a sheet that claims more cells than fit in memory.
    """
    members = zf.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise InputError.of("ingest.guard.parts", source=source, file=source, parts=len(members))
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise InputError.of(
            "ingest.guard.unpacked",
            source=source,
            file=source,
            size=_size(total),
            limit=_size(MAX_UNCOMPRESSED),
        )
    for member in members:
        if member.file_size > RATIO_EXEMPT_BYTES and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise InputError.of(
                "ingest.guard.zip_bomb",
                source=source,
                file=source,
                part=member.filename,
                packed=_size(member.compress_size),
                size=_size(member.file_size),
            )
    for member in members:
        name = member.filename.lower()
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        try:
            span = ooxml.declared_dimensions(zf, member.filename)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise damaged(source) from exc
        if span is None:
            continue
        rows, columns = span
        if rows * columns * CELL_BYTES > MEMORY_LIMIT:
            raise InputError.of(
                "ingest.guard.span",
                source=source,
                file=source,
                rows=rows,
                columns=columns,
                letters=_column_letters(columns - 1),
            )


def damaged(source: str) -> InputError:
    """The message for an archive that cannot be opened or unpacked."""
    return InputError.of("ingest.guard.damaged", source=source, file=source)


def check_text_size(size: int, *, source: str) -> None:
    """Refuse a text file too large to read safely."""
    if size > MAX_TEXT_BYTES:
        raise InputError.of(
            "ingest.guard.text_size",
            source=source,
            file=source,
            size=_size(size),
            limit=_size(MAX_TEXT_BYTES),
        )
