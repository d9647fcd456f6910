"""Customers as CSV and JSON Lines: the one row format of the import and export commands and
the admin export. Fields are the /v1 ones (camelCase), rendered by CustomerSerializer."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from customers.models import WRITABLE_FIELDS, Customer
from customers.serializers import CustomerSerializer

FORMATS = ("csv", "jsonl")
COLUMNS: list[str] = list(CustomerSerializer().fields)
WRITABLE_COLUMNS = frozenset(WRITABLE_FIELDS.values())
# Exported but not importable: an import ignores them, so an export imports back unchanged.
READ_ONLY_COLUMNS = frozenset(COLUMNS) - WRITABLE_COLUMNS

MSG_BAD_JSON = "Not a JSON object: {error}"
MSG_BAD_METADATA = "metadata is not valid JSON: {error}"


class UnknownColumns(ValueError):
    """The file names fields that are not customer fields; nothing is imported."""


def format_for(path: str, given: str | None) -> str:
    """The format named, else the file's extension (.jsonl/.ndjson or .csv)."""
    if given:
        return given
    return "jsonl" if path.lower().endswith((".jsonl", ".ndjson")) else "csv"


# --- Export -------------------------------------------------------------------------------


def customer_rows(customers: Iterable[Customer]) -> Iterator[dict[str, Any]]:
    """Each customer as the /v1 API shows it (one serializer, built once)."""
    serializer = CustomerSerializer()
    for customer in customers:
        yield serializer.to_representation(customer)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False) if value else ""
    return "" if value is None else value


def encode(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    """Text chunks of `rows` in `fmt` (CSV with a header line, or one JSON object a line)."""
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False, default=str) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for n, row in enumerate(rows, start=1):
        writer.writerow({key: _csv_cell(value) for key, value in row.items()})
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- Import -------------------------------------------------------------------------------


def _writable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in READ_ONLY_COLUMNS}


def _csv_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.reader(handle)
    header = next(reader, None) or []
    unknown = sorted(set(header) - set(COLUMNS))
    if unknown:
        raise UnknownColumns(", ".join(unknown))
    for cells in reader:
        line = reader.line_num
        if not any(cells):
            continue
        row: dict[str, Any] = {}
        for name, cell in zip(header, cells, strict=False):
            if cell == "" or name in READ_ONLY_COLUMNS:
                continue  # an empty cell is a field not sent
            if name == "metadata":
                try:
                    cell = json.loads(cell)
                except ValueError as exc:
                    yield line, MSG_BAD_METADATA.format(error=exc)
                    break
            row[name] = cell
        else:
            yield line, row


def _jsonl_rows(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError as exc:
            yield line, MSG_BAD_JSON.format(error=exc)
            continue
        if not isinstance(row, dict):
            yield line, MSG_BAD_JSON.format(error=type(row).__name__)
            continue
        yield line, _writable(row)


def read_rows(handle: IO[str], fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, the row's fields as a create body, or why it cannot be read). Exported
    read-only columns (id, state, timestamps) are ignored; any other unknown CSV column is
    UnknownColumns before the first row (in JSON Lines it is the row's 400, as in the API)."""
    return _jsonl_rows(handle) if fmt == "jsonl" else _csv_rows(handle)
