"""What a file is, judged by its content and never by its name.

A CSV renamed to ``.xlsx`` is a CSV; an xlsx renamed to ``.csv`` is an xlsx.
Everything that is not a workbook or a readable text table gets its own
message that says what the file is and what to upload instead.
"""

from __future__ import annotations

import io
import json
import zipfile

from kpi_core.ingest.guard import check_zip_directory, damaged
from kpi_core.ingest.model import FileFormat
from kpi_core.issues import InputError

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BIFF8_GLOBALS_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"
# What a file that is not a spreadsheet is: the id names its message ``ingest.format.<id>``.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"{\\rtf", "rtf"),
)


def _not_a_spreadsheet(kind: str, source: str) -> InputError:
    return InputError.of(f"ingest.format.{kind}", source=source, file=source)


def _utf16le(name: str) -> bytes:
    return name.encode("utf-16-le")


def is_blank(data: bytes) -> bool:
    """True for 0 bytes, or only whitespace, byte-order marks and NULs."""
    stripped = data
    for bom in (b"\xef\xbb\xbf", *_UTF16_BOMS):
        if stripped.startswith(bom):
            stripped = stripped[len(bom) :]
    if stripped[: 64 << 10].replace(b"\x00", b"").strip():
        return False  # decided by the head, without copying a large file
    return not stripped.replace(b"\x00", b"").strip()


def looks_like_utf16(head: bytes) -> bool:
    """UTF-16 text without a byte-order mark: every other byte is NUL."""
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even)


def looks_binary(head: bytes) -> bool:
    """Control characters that no text export contains."""
    if head.startswith(_UTF16_BOMS) or looks_like_utf16(head):
        return False
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in (*range(0, 9), 11, 12, *range(14, 32), 127))
    return controls > max(1, len(head) // 100)


def _zip_format(data: bytes, *, source: str) -> FileFormat:
    check_zip_directory(data, source=source)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise damaged(source) from exc
    with zf:
        if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
            mimetype = zf.read("mimetype").strip()
            if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
                return "ods"
            if mimetype.startswith(b"application/vnd.oasis.opendocument"):
                raise InputError.of("ingest.format.opendocument", source=source, file=source)
        content_types = b""
        info = zf.NameToInfo.get("[Content_Types].xml")
        if info is not None and info.file_size < (1 << 20):
            content_types = zf.read(info)
        if "xl/workbook.bin" in names or b"sheet.binary.macroEnabled.main" in content_types:
            raise InputError.of("ingest.format.xlsb", source=source, file=source)
        if b"ms-excel.sheet.macroEnabled.main" in content_types or (
            b"ms-excel.template.macroEnabled.main" in content_types
        ):
            return "xlsm"
        if b"spreadsheetml.sheet.main" in content_types or (
            b"spreadsheetml.template.main" in content_types
        ):
            return "xlsx"
        if any(n.lower().endswith("workbook.xml") for n in names):
            return "xlsx"
        if "word/document.xml" in names:
            kind = "docx"
        elif "ppt/presentation.xml" in names:
            kind = "pptx"
        else:
            kind = "zip"
    raise _not_a_spreadsheet(kind, source)


def _ole_format(data: bytes, *, source: str) -> FileFormat:
    # Directory entry names are stored as UTF-16LE; finding them needs no parser.
    if _utf16le("EncryptionInfo") in data or _utf16le("EncryptedPackage") in data:
        raise password_protected(source)
    if _utf16le("Workbook") in data or _utf16le("Book") in data:
        # BIFF8 encryption is a FILEPASS record (0x002F) right after the workbook's
        # BOF record; calamine then only says it cannot detect the format.
        bof = data.find(_BIFF8_GLOBALS_BOF)
        if bof >= 0:
            after = bof + 4 + int.from_bytes(data[bof + 2 : bof + 4], "little")
            if data[after : after + 2] == b"\x2f\x00":
                raise password_protected(source)
        return "xls"
    if _utf16le("WordDocument") in data:
        kind = "doc"
    elif _utf16le("PowerPoint Document") in data:
        kind = "ppt"
    else:
        kind = "office"
    raise _not_a_spreadsheet(kind, source)


def password_protected(source: str) -> InputError:
    """The message for an encrypted workbook."""
    return InputError.of("ingest.format.password", source=source, file=source)


def _text_lookalike(head: bytes, *, source: str) -> None:
    """Refuse web pages, XML and JSON that arrive with a spreadsheet name."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in text[:1024]:
        raise InputError.of("ingest.format.html", source=source, file=source)
    if text.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
            raise InputError.of("ingest.format.excel_xml", source=source, file=source)
        raise InputError.of("ingest.format.xml", source=source, file=source)


def _json_lookalike(data: bytes, *, source: str) -> None:
    if data[:4096].lstrip()[:1] not in (b"{", b"[") or len(data) > (64 << 20):
        return
    try:
        json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return
    raise InputError.of("ingest.format.json", source=source, file=source)


def detect_format(data: bytes, *, source: str) -> FileFormat:
    """Tell what a file is from its bytes.

    Parameters
    ----------
    data
        The whole file.
    source
        The file name as the user gave it (for messages only).

    Returns
    -------
    FileFormat
        ``"xlsx"``, ``"xlsm"``, ``"xls"``, ``"ods"`` or ``"csv"`` (any text table).

    Raises
    ------
    InputError
        Empty, password-protected, damaged, or not a spreadsheet at all.
    """
    if is_blank(data):
        raise InputError.of("ingest.file.empty", source=source, file=source)
    if data.startswith(_ZIP_MAGIC):
        return _zip_format(data, source=source)
    if data.startswith(_OLE_MAGIC):
        return _ole_format(data, source=source)
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise _not_a_spreadsheet(kind, source)
    head = data[: 64 << 10]
    if looks_binary(head):
        raise InputError.of("ingest.format.binary", source=source, file=source)
    if not head.startswith(_UTF16_BOMS) and not looks_like_utf16(head):
        _text_lookalike(head, source=source)
        _json_lookalike(data, source=source)
    return "csv"
