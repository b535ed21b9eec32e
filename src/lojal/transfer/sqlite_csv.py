"""CSV lines written by SQLite: the SQLite counterpart of PostgreSQL's ``COPY`` (repository.copy_sql).

Formatting 1,000,000 customers value by value in Python costs ~13 CPU-seconds; a SELECT that makes
each row's whole CSV line (``printf`` of the fields; times, amounts, yes/no and lists formatted
with SQLite's own functions) costs ~6.5 with the fetch (benchmarks/transfer/README.md). SQLite has
no cheap way to ask whether a text holds a character that CSV must quote, so the SELECT does not
ask. It writes text fields as they are, and beside each line the number of commas and double
quotes the line holds when no text field holds one (its separators, plus those of a quoted list).
Python then checks a whole block of lines at once (``exact_block``): when the counts agree and no
line holds a carriage return or a line feed, every line is exactly what the Python formatter
(export.py) writes; otherwise the lines that disagree are written by that formatter instead.

A value the SELECT cannot format exactly as Python does (a time not in SQLAlchemy's stored form, a
list that is not a JSON array of up to ``MAX_LIST_ITEMS`` strings, an amount that is not an
integer) comes out as a carriage return, which sends its row to the Python formatter too; so does
a NUL character in a text field (``printf`` would cut the text there; a CSV import can store one on
SQLite). Not checked: a REAL or BLOB value in an integer or text column, which Lojal never writes
(SQLite's ``printf`` would write it, where Python writes its ``str``). The exactness is pinned byte
for byte in tests/transfer/test_export_csv_bytes.py."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

MAX_LIST_ITEMS = 10
"""Longer lists are joined by the Python formatter (their rows are the slow ones)."""
SUPPORTED = frozenset({"int", "str", "date", "bool", "datetime", "money", "list", "constant"})
POISON = "char(13)"
"""What the SELECT writes for a value it cannot format: a carriage return, which no exact line
holds unquoted, so the check sends the row to the Python formatter."""
_ANY_19 = "?" * 19
_line, _specials = itemgetter(0), itemgetter(1)
_COUNTED = b',"\n'
"""The bytes whose number the check compares: commas, quotes and line feeds."""


def supports(column_types: list[str]) -> bool:
    """Whether every column can be written by the SELECT (JSON objects cannot: events)."""
    return all(column_type in SUPPORTED for column_type in column_types)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_field(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([value, ""])
    return buffer.getvalue()[:-2]


def _datetime(value: str) -> str:
    """SQLAlchemy keeps UTC times as ``2026-03-14 17:22:05.000000``; written as
    ``2026-03-14T17:22:05Z`` (with the microseconds when there are any), as export._sqlite_utc_text
    does for a 26-character text with a dot at [19]. Any other text goes to Python."""
    return (f"CASE WHEN {value} GLOB '{_ANY_19}.000000' THEN substr({value}, 1, 10) || 'T' || substr({value}, 12, 8)"
            f" || 'Z' WHEN {value} GLOB '{_ANY_19}.??????' THEN substr({value}, 1, 10) || 'T' || substr({value}, 12)"
            f" || 'Z' WHEN {value} IS NOT NULL THEN {POISON} END")


def _money(value: str, digits: int) -> tuple[str, list[str]]:
    """``printf`` pieces of an amount in minor units as a decimal string: -1205 with 2 digits is
    ``-`` ``12`` ``.05``. Not an integer (NULL included) goes to Python."""
    if digits == 0:
        return "%s", [value]
    scale = 10**digits
    sign = f"CASE WHEN typeof({value}) <> 'integer' THEN {POISON} WHEN {value} < 0 THEN '-' END"
    return f"%s%d.%0{digits}d", [sign, f"abs({value} / {scale})", f"abs({value} % {scale})"]


def _plain_array(value: str) -> str:
    """A JSON array whose first and last items are strings (text from ``["`` to ``"]``) with no
    NUL character escaped in it."""
    return f"""{value} GLOB '[[]"*"]' AND json_valid({value}) AND NOT instr({value}, '\\u0000')"""


def _list(value: str) -> str:
    """A JSON array of strings joined with ", " (quoted when there are two or more, since the
    joint holds a comma), as export._joined and the CSV writer make it."""
    items = [f"json_extract({value}, '$[{index}]')" for index in range(MAX_LIST_ITEMS)]
    branches = [f"WHEN 1 THEN {items[0]}"]
    for count in range(2, MAX_LIST_ITEMS + 1):
        joined = "'\"' || " + " || ', ' || ".join(items[:count]) + " || '\"'"
        inner = [f"json_type({value}, '$[{index}]') = 'text'" for index in range(1, count - 1)]
        branches.append(f"WHEN {count} THEN " + (f"CASE WHEN {' AND '.join(inner)} THEN {joined} ELSE {POISON} END"
                                                   if inner else joined))
    return (f"CASE WHEN {_plain_array(value)} THEN CASE json_array_length({value}) {' '.join(branches)} "
            f"ELSE {POISON} END WHEN {value} IS NULL OR {value} IN ('[]', 'null') THEN NULL ELSE {POISON} END")


def _list_specials(value: str) -> str:
    """The commas and quotes of a joined list of n >= 2 strings none of which holds one: n + 1."""
    return (f"CASE WHEN {value} GLOB '[[]\"*\"]' AND json_valid({value}) AND json_array_length({value}) > 1 "
            f"THEN json_array_length({value}) + 1 ELSE 0 END")


def select_sql(query_sql: str, columns: list[tuple[str, str, str]], digits: int) -> str:
    """A SELECT over the export query (``query_sql``, its columns named by source) giving, in id
    order, each row's CSV line (bytes, no line end), the number of commas and quotes that line
    holds when it is exact, and the row's id. ``columns`` are (output name, type, source name);
    a ``constant`` type's source is its value."""
    pieces: list[str] = []
    arguments: list[str] = []
    specials = [str(len(columns) - 1)]
    texts: list[str] = []
    for _, column_type, source in columns:
        value = 'source."' + source.replace('"', '""') + '"'
        if column_type == "constant":
            field = _csv_field(source)
            pieces.append(field.replace("%", "%%"))
            specials.append(str(field.count(",") + field.count('"')))
            continue
        piece, values = "%s", [value]
        if column_type in ("str", "date"):
            texts.append(value)
        elif column_type == "bool":
            values = [f"CASE {value} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END"]
        elif column_type == "datetime":
            values = [_datetime(value)]
        elif column_type == "money":
            piece, values = _money(value, digits)
        elif column_type == "list":
            values = [_list(value)]
            specials.append(_list_specials(value))
        pieces.append(piece)
        arguments.extend(values)
    line = f"CAST(printf({_literal(','.join(pieces))}, {', '.join(arguments)}) AS BLOB)"
    expected = " + ".join(specials)
    if texts:
        nul = " OR ".join(f"instr({text}, char(0))" for text in texts)
        expected = f"CASE WHEN {nul} THEN -1 ELSE {expected} END"
    return f"SELECT {line}, {expected}, source.id FROM ({query_sql}) AS source ORDER BY source.id"


def _cursor_and_sql(session: Session, query: Select[Any]) -> tuple[Any, str]:
    connection = session.connection()
    query_sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver_connection = connection.connection.dbapi_connection
    assert driver_connection is not None
    return driver_connection.cursor(), query_sql


def line_chunks(session: Session, query: Select[Any], columns: list[tuple[str, str, str]], digits: int,
                chunk_size: int) -> Iterator[list[tuple[bytes, int, int]]]:
    """The rows of ``select_sql`` over the export query, ``chunk_size`` at a time."""
    cursor, query_sql = _cursor_and_sql(session, query)
    try:
        cursor.execute(select_sql(query_sql, columns, digits))
        while rows := cursor.fetchmany(chunk_size):
            yield rows
    finally:
        cursor.close()


def rows_after(session: Session, query: Select[Any], last_id: int, chunk_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The export query's rows (as the driver gives them) after ``last_id``, ``chunk_size`` at a time."""
    cursor, query_sql = _cursor_and_sql(session, query)
    try:
        cursor.execute(f"SELECT * FROM ({query_sql}) AS source WHERE source.id > ? ORDER BY source.id", (last_id,))
        while rows := cursor.fetchmany(chunk_size):
            yield rows
    finally:
        cursor.close()


def rows_by_id(session: Session, query: Select[Any], ids: list[int]) -> list[tuple[Any, ...]]:
    """The export query's rows (as the driver gives them) with these ids. The ids go in as one
    JSON parameter: one statement for every chunk (sqlite3 keeps 128 prepared statements, and
    each with thousands of ids written in held a few megabytes)."""
    cursor, query_sql = _cursor_and_sql(session, query)
    try:
        cursor.execute(f"SELECT * FROM ({query_sql}) AS source WHERE source.id IN (SELECT value FROM json_each(?)) "
                       "ORDER BY source.id", (json.dumps(ids),))
        return cursor.fetchall()
    finally:
        cursor.close()


def exact_block(rows: list[tuple[bytes, int, int]]) -> bytes | None:
    """The rows' lines as one block, when the counts show every line is exact (else None). With
    no carriage return in the block (so nothing was poisoned), a line never holds fewer commas,
    quotes and line feeds than its count plus its line end, so equal sums mean equal counts. (One
    ``translate`` pass costs about half of three ``count`` passes.)"""
    block = b"\n".join(map(_line, rows)) + b"\n"
    if b"\r" in block or len(block) - len(block.translate(None, _COUNTED)) != sum(map(_specials, rows)) + len(rows):
        return None
    return block


def inexact_ids(rows: list[tuple[bytes, int, int]]) -> list[int]:
    """The ids of the rows whose lines are not exact."""
    return [row_id for line, specials, row_id in rows
            if line.count(b",") + line.count(b'"') != specials or b"\r" in line or b"\n" in line]
