"""Decoding and tokenising of delimited text files as departments and feeds send them.

Files arrive as UTF-8, UTF-8 with a byte-order mark, or GBK/GB18030 (Excel on Chinese Windows);
some are gzip-compressed. :func:`decoded_bytes` turns any of them into UTF-8 bytes for the fast
Arrow CSV reader, and :func:`read_csv_table` reads them keeping every broken line as a located
:class:`~ecoplan.ingest.readers.Problem` instead of failing or silently dropping it.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ecoplan.errors import InputFileError, Location
from ecoplan.ingest.readers.problems import Problem

BOM = b"\xef\xbb\xbf"
#: Strings that mean "no value" in the feeds (CNEMC: ``NA`` missing, ``/`` not monitored).
NULL_MARKERS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "-", "—", "--"]
NOT_MONITORED = "/"
#: Dashes that department files write for "no value": read as missing, but counted and said
#: (``ecoplan ingest`` prints "N 个数值为 “—”，按缺测处理") rather than dropped without a word.
DASHES = frozenset({"-", "—", "--", "——", "－", "―"})
#: Null markers of the hourly air readers: the dashes are left to :func:`to_numbers`.
AIR_NULL_MARKERS = [m for m in NULL_MARKERS if m not in DASHES]


@dataclass(frozen=True)
class DecodedText:
    """UTF-8 bytes of a file plus the encoding it was found in."""

    data: bytes
    encoding: str


def raw_bytes(path: Path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"无法读取文件：{exc.strerror}", f"Cannot read the file: {exc.strerror}",
            location=Location(str(path)),
        ) from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputFileError(
                "gzip 压缩文件已损坏或不完整", "The gzip file is corrupt or truncated",
                location=Location(str(path)),
            ) from exc
    return data


def decode(data: bytes) -> DecodedText:
    """Return UTF-8 bytes for ``data`` (UTF-8, UTF-8 with BOM, GBK/GB18030)."""
    if data.startswith(BOM):
        data = data[len(BOM):]
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        data.decode("utf-8")
        return DecodedText(data, encoding)
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK and GB2312; invalid bytes become U+FFFD (reported later as
    # text in a number field or an unknown code rather than losing the row).
    text = data.decode("gb18030", errors="replace")
    return DecodedText(text.encode("utf-8"), "gb18030")


def decoded_bytes(path: Path) -> DecodedText:
    return decode(raw_bytes(path))


def header_line(data: bytes) -> str:
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    return first.decode("utf-8", errors="replace").strip("\r")


def physical_lines(data: bytes) -> np.ndarray:
    """1-based line numbers of the non-empty lines of ``data`` (Arrow skips empty lines)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64)
    nl = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [len(arr)]))
    lengths = ends - starts
    first = arr[np.minimum(starts, len(arr) - 1)]
    cr_only = (lengths == 1) & (first == 13)
    numbers = np.flatnonzero((lengths > 0) & ~cr_only) + 1
    return numbers


@dataclass
class CsvTable:
    """An Arrow table read from a delimited file with the file line of each of its rows."""

    table: pa.Table
    lines: np.ndarray  # file line (1-based) of each table row
    problems: list[Problem]
    encoding: str
    #: (line, text) of note rows at the end of a sheet and of title rows above its header
    notes: list[tuple[int, str]] = field(default_factory=list)
    titles: list[tuple[int, str]] = field(default_factory=list)


def read_csv_table(path: Path, decoded: DecodedText, *, string_columns: bool = False,
                   column_types: dict[str, pa.DataType] | None = None,
                   try_types: dict[str, pa.DataType] | None = None,
                   skip_rows: int = 0, null_values: list[str] | None = None) -> CsvTable:
    """Read delimited text into Arrow; lines with too few/many fields become problems.

    ``try_types`` are column types tried first (declared types parse several times faster than
    inferred ones); if a cell does not convert (text in a number field) the file is read again
    with inferred types so that the cell can be reported rather than failing the file.
    """
    if try_types:
        try:
            return read_csv_table(path, decoded, string_columns=string_columns,
                                  column_types={**try_types, **(column_types or {})},
                                  skip_rows=skip_rows, null_values=null_values)
        except InputFileError as exc:
            if not isinstance(exc.__cause__, pa.ArrowInvalid):
                raise
    bad: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    data = decoded.data
    delimiter = ","
    head = header_line(data)
    if head.count("\t") > head.count(","):
        delimiter = "\t"
    elif head.count(";") > head.count(","):
        delimiter = ";"
    convert = pacsv.ConvertOptions(
        null_values=NULL_MARKERS if null_values is None else null_values, strings_can_be_null=True, quoted_strings_can_be_null=True,
        column_types=column_types or {},
    )
    if string_columns:
        names = [c.strip() for c in head.split(delimiter)]
        convert.column_types = {n: pa.string() for n in names}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=False, skip_rows=skip_rows,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                             newlines_in_values=False),
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        raise InputFileError(
            f"无法解析为表格（CSV）：{exc}", f"Not a readable delimited table (CSV): {exc}",
            location=Location(str(path)),
        ) from exc
    table = table.rename_columns([c.strip() for c in table.column_names])
    nonempty = physical_lines(data)
    problems: list[Problem] = []
    bad_idx: set[int] = set()
    for number, text in bad:
        line = None
        if number is not None and 0 < number + skip_rows <= len(nonempty):
            # Arrow numbers the non-empty lines (header = 1)
            bad_idx.add(int(number) - 1 + skip_rows)
            line = int(nonempty[int(number) - 1 + skip_rows])
        problems.append(Problem(
            file=str(path), row=line, field=None, value=text[:200],
            zh="行的字段数与表头不符（行被截断或多出分隔符）",
            en="line has a different number of fields than the header (truncated or extra "
               "delimiters)",
            whole_row=True, code="bad_line",
        ))
    keep = [i for i in range(1 + skip_rows, len(nonempty)) if i not in bad_idx] if bad_idx \
        else slice(1 + skip_rows, None)
    lines = np.asarray(nonempty[keep], dtype=np.int64)
    if len(lines) != table.num_rows:  # quoted newlines or unknown line numbers: best effort
        lines = np.arange(2 + skip_rows, 2 + skip_rows + table.num_rows, dtype=np.int64)
    return CsvTable(table, lines, problems, decoded.encoding)
