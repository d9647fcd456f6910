"""The current request and its id, readable anywhere (error handler, logs, the change
recorder's actor) without passing them around; set by core.middleware.RequestIdMiddleware."""

import contextvars
import re
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_request: contextvars.ContextVar = contextvars.ContextVar("request", default=None)
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id(incoming: str | None) -> str:
    """Reuse a well-formed incoming X-Request-ID (tracing across services), else mint one."""
    if incoming and _ACCEPTABLE.match(incoming):
        return incoming
    return uuid.uuid4().hex


def set_request_id(value: str | None, request=None) -> tuple[contextvars.Token, ...]:
    return _request_id.set(value), _request.set(request)


def reset_request_id(tokens: tuple[contextvars.Token, ...]) -> None:
    id_token, request_token = tokens
    _request_id.reset(id_token)
    _request.reset(request_token)


def current_request():
    """The HttpRequest being served by this thread (None in a command or worker)."""
    return _request.get()


def current_request_id() -> str | None:
    return _request_id.get()
