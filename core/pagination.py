"""Paging for every list route: page numbers (with totals) and keyset cursors (constant cost)."""

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet, Value

from core.datetimes import storable_datetime
from core.expressions import RowComparison
from core.problems import ApplicationError
from core.urls import absolute_url

MSG_BAD_CURSOR = "The cursor is invalid or was issued for a different sort."
# Cursors we issue hold a sort value (at most 254 characters) and an id: within these bounds,
# which also keep a request line with a cursor well under the HTTP server's limit.
MAX_CURSOR_VALUE = 300
MAX_CURSOR_LENGTH = 1500


class InvalidCursor(ApplicationError):
    status = 400
    code = "invalid_query"
    detail = MSG_BAD_CURSOR

    def __init__(self, param: str = "cursor"):
        super().__init__(
            MSG_BAD_CURSOR,
            errors=[{"field": param, "code": "invalid_cursor", "message": MSG_BAD_CURSOR}],
        )


@dataclass(frozen=True)
class Sort:
    """A sort key: the API name (`-createdAt`), the model field, direction, and value type."""

    name: str
    field: str
    descending: bool
    is_datetime: bool


def make_sorts(fields: dict[str, tuple[str, bool]]) -> dict[str, Sort]:
    """{"createdAt": ("created_at", True)} -> both "createdAt" and "-createdAt" sorts."""
    sorts = {}
    for api_name, (field, is_dt) in fields.items():
        sorts[api_name] = Sort(api_name, field, False, is_dt)
        sorts["-" + api_name] = Sort("-" + api_name, field, True, is_dt)
    return sorts


def order(qs: QuerySet, sort: Sort) -> QuerySet:
    """Order by the sort field with the primary key as tie-breaker, so the order is total."""
    prefix = "-" if sort.descending else ""
    return qs.order_by(prefix + sort.field, prefix + "pk")


# From this offset on, page_slice finds the page's keys first and then reads their rows.
DEFERRED_JOIN_OFFSET = 1000


def page_slice(
    qs: QuerySet, *, sort: Sort, page: int, limit: int, total: int | None = None
) -> tuple[list, int, int]:
    """Return (items, total, total_pages); a page past the end is empty, not an error.
    `total` is counted with COUNT(*) unless the caller knows it (e.g. a maintained counter)."""
    if total is None:
        total = qs.count()
    offset = (page - 1) * limit
    if offset >= total:
        return [], total, math.ceil(total / limit) if total else 0
    page_qs = order(qs, sort)[offset : offset + limit]
    if offset >= DEFERRED_JOIN_OFFSET:
        # Skip the offset in the index alone (an index-only scan: the sort index holds the
        # pk), then read just this page's rows: page 10,000 of 20 is ~4x faster this way.
        page_qs = order(qs.filter(pk__in=page_qs.values("pk")), sort)
    items = list(page_qs)
    return items, total, math.ceil(total / limit) if total else 0


def _encode(sort: Sort, obj) -> str:
    value = getattr(obj, sort.field)
    payload = {
        "s": sort.name,
        "v": value.isoformat() if sort.is_datetime else value,
        "k": str(obj.pk),
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _storable_text(value) -> str:
    """A string PostgreSQL can take in a query: no NUL, no lone surrogate (json.loads makes one
    from "\\ud800"); anything else is a forged cursor, a 400 and not a 500."""
    if not isinstance(value, str) or "\x00" in value or len(value) > MAX_CURSOR_VALUE:
        raise ValueError
    value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    return value


def _decode(cursor: str, sort: Sort, param: str):
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if payload["s"] != sort.name:
            raise ValueError
        value = _storable_text(payload["v"])
        if sort.is_datetime:  # aware, offset within ±15:59, years 1-9999 in UTC
            value = storable_datetime(datetime.fromisoformat(value))
        return value, _storable_text(payload["k"])
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError) as exc:
        raise InvalidCursor(param) from exc


def keyset_slice(
    qs: QuerySet, *, sort: Sort, cursor: str | None, limit: int, param: str = "cursor"
) -> tuple[list, str | None]:
    """Return (items, next_cursor). Seeks past the cursor's (value, pk) with an index range
    scan, so page 10,000 costs what page 1 costs. An empty or missing cursor starts at the top."""
    if cursor:
        value, key = _decode(cursor, sort, param)
        field, pk = qs.model._meta.get_field(sort.field), qs.model._meta.pk
        try:
            # (sort value, pk) past the cursor's, as one row comparison: an index bound.
            after = RowComparison(
                [sort.field, pk.name],
                "<" if sort.descending else ">",
                [Value(field.to_python(value), field), Value(pk.to_python(key), pk)],
            )
        except DjangoValidationError as exc:  # a malformed pk in a forged cursor
            raise InvalidCursor(param) from exc
        qs = qs.filter(after)
    rows = list(order(qs, sort)[: limit + 1])
    items, more = rows[:limit], len(rows) > limit
    return items, (_encode(sort, items[-1]) if more else None)


def next_link(request, cursor: str, *, param: str = "cursor") -> str:
    """RFC 8288 `Link` value for the next page: this absolute URL with `param` replaced."""
    query = request.GET.copy()
    query[param] = cursor
    url = absolute_url(request, request.path) + "?" + query.urlencode()
    return f'<{url}>; rel="next"'


def cursor_envelope(request, *, data: list, limit: int, next_cursor: str | None):
    """The one /v1 cursor-list shape: `{"data", "limit", "nextCursor"}`, and a `Link:
    rel="next"` header while there are more pages. Returns (body, headers)."""
    body = {"data": data, "limit": limit, "nextCursor": next_cursor}
    headers = {"Link": next_link(request, next_cursor)} if next_cursor else {}
    return body, headers
