"""Idempotency-Key on every authenticated POST (Stripe's semantics, IETF httpapi draft).

One mechanism for every route: `idempotent_post_routes(urlpatterns)` (called once, in
config/urls.py) gives every DRF view that answers POST the IdempotentPostMixin, so a route
added later gets it without doing anything. For a POST carrying the header, after
authentication, permissions and throttles have passed:

- the request runs in one database transaction, and the stored record is written in it, so a
  crash never leaves a write without its record or a record without its write;
- a PostgreSQL advisory transaction lock on (scope, key), taken with try-lock, decides "in
  flight" (409 `idempotency_key_in_use`); SQLite's IMMEDIATE transactions serialise writers,
  so there a retry waits for the first request and then replays it;
- a stored record with the same fingerprint (method, path, query, body) is replayed exactly
  (status, body, the view's headers such as Location and ETag) with `Idempotent-Replayed:
  true`; another fingerprint is a 422 `idempotency_key_reused`;
- 2xx and 4xx responses are stored (a 4xx rolls back whatever the view wrote first); a 5xx
  rolls the whole transaction back and stores nothing, so a retry runs again.

The scope comes from the principal's `idempotency_scope` (apikeys.authentication): keys of one
application share a scope. Records live at least RETENTION (`purge_idempotency_keys`).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from rest_framework.views import APIView

from core.db.pool import release_before_reading_the_body
from core.models import IdempotencyRecord
from core.problems import ApplicationError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)

MSG_KEY_INVALID = f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters."
MSG_KEY_REUSED = (
    f"This {HEADER} was already used with a different request (method, path or body). "
    "Use a new key for a new request."
)
MSG_KEY_IN_USE = f"A request with this {HEADER} is still being processed; retry shortly."


class IdempotencyKeyInvalid(ApplicationError):
    status = 400
    code = "idempotency_key_invalid"
    detail = MSG_KEY_INVALID


class IdempotencyKeyReused(ApplicationError):
    status = 422
    code = "idempotency_key_reused"
    detail = MSG_KEY_REUSED


class IdempotencyKeyInUse(ApplicationError):
    status = 409
    code = "idempotency_key_in_use"
    detail = MSG_KEY_IN_USE


class _Replay(Exception):  # noqa: N818 - control flow, not an error
    """Raised after the checks to answer with a stored response instead of the handler."""

    def __init__(self, response: HttpResponse):
        super().__init__("replay")
        self.response = response


@dataclass
class _Pending:
    scope: str
    key: str
    fingerprint: str
    savepoint: str


def _validate_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise IdempotencyKeyInvalid(
            errors=[{"field": HEADER, "code": "invalid", "message": MSG_KEY_INVALID}]
        )
    return key


def _canonical_body(raw: bytes) -> bytes:
    """JSON bodies compare by value (key order and spacing do not matter), others by bytes."""
    try:
        return json.dumps(
            json.loads(raw or b"null"), sort_keys=True, separators=(",", ":")
        ).encode()
    except ValueError:
        return raw


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        request.path.rstrip("/").encode(),
        request.META.get("QUERY_STRING", "").encode(),
        _canonical_body(request.body),
    ):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _try_lock(scope: str, key: str) -> bool:
    """PostgreSQL: a transaction-scoped advisory lock per (scope, key), released at commit."""
    if connection.vendor != "postgresql":
        return True  # SQLite: the IMMEDIATE transaction already holds the database's write lock
    lock_id = int.from_bytes(
        hashlib.sha256(f"idempotency\0{scope}\0{key}".encode()).digest()[:8], "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        return bool(cursor.fetchone()[0])


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code)
    for name, value in record.headers:
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _begin(request, *, scope: str, key: str) -> _Pending:
    """Inside the request's transaction: claim the key or answer from its record."""
    key = _validate_key(key)
    fingerprint = _fingerprint(request)
    if not _try_lock(scope, key):
        raise IdempotencyKeyInUse(headers={"Retry-After": "1"})
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is not None and record.created_at <= timezone.now() - RETENTION:
        record.delete()  # expired and not yet purged: the key is free again
        record = None
    if record is not None:
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        raise _Replay(_replay(record))
    return _Pending(scope, key, fingerprint, transaction.savepoint())


def _complete(pending: _Pending, response) -> None:
    """Store the response with the write it answers, in the same transaction."""
    if response.status_code >= 500:
        transaction.set_rollback(True)  # nothing written, nothing stored: a retry runs again
        return
    if response.status_code >= 400:
        transaction.savepoint_rollback(pending.savepoint)  # an error writes nothing
    else:
        transaction.savepoint_commit(pending.savepoint)
    if hasattr(response, "render"):
        response.render()
    IdempotencyRecord.objects.create(
        scope=pending.scope,
        key=pending.key,
        fingerprint=pending.fingerprint,
        status_code=response.status_code,
        headers=[[name, value] for name, value in response.items()],
        body=response.content,
    )


def read_body_first(request) -> None:
    """The transaction holds a database connection from its start: read the body before it,
    so a client that sends it slowly holds none meanwhile (core.db.pool)."""
    release_before_reading_the_body()
    try:
        _ = request.body
    except OSError:  # the client went away: the view's own read reports it, as without the key
        pass


class IdempotentPostMixin:
    """Idempotency-Key handling for a DRF view's POST (see the module docstring)."""

    _idempotency: _Pending | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        read_body_first(request)
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        key = request.headers.get(HEADER)
        scope = getattr(request.user, "idempotency_scope", None)
        if request.method == "POST" and key is not None and scope:
            self._idempotency = _begin(request, scope=scope, key=key)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        pending, self._idempotency = self._idempotency, None
        if pending is not None:
            _complete(pending, response)
        return response


_WRAPPED: dict[type, type] = {}


def _idempotent_class(cls: type) -> type:
    if cls not in _WRAPPED:
        _WRAPPED[cls] = type(
            cls.__name__,
            (IdempotentPostMixin, cls),
            {
                "__module__": cls.__module__,
                "__doc__": cls.__doc__,
                "__qualname__": cls.__qualname__,
            },
        )
    return _WRAPPED[cls]


def idempotent_post_routes(patterns: list) -> list:
    """Give every DRF view in `patterns` (recursively, included URLconfs too) that answers
    POST the IdempotentPostMixin, in place; returns `patterns`."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            idempotent_post_routes(pattern.url_patterns)
            continue
        if not isinstance(pattern, URLPattern):
            continue
        view = pattern.callback
        cls = getattr(view, "cls", None)
        if (
            isinstance(cls, type)
            and issubclass(cls, APIView)
            and hasattr(cls, "post")
            and not issubclass(cls, IdempotentPostMixin)
        ):
            pattern.callback = _idempotent_class(cls).as_view(**getattr(view, "initkwargs", {}))
    return patterns


def idempotency_records_purge(*, older_than: timedelta = RETENTION) -> int:
    """Delete records older than `older_than` (never less than RETENTION); returns how many."""
    older_than = max(older_than, RETENTION)
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
