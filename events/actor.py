"""Who is making the current change: an API key, a staff user or a management command.

The middleware keeps the current request in a context variable; the actor is worked out
only when a change is recorded. DRF puts its authenticated principal on the underlying
HttpRequest, so API calls are seen here without the views passing anything.
"""

import contextvars
import sys

from apikeys.authentication import ApiPrincipal

_current_request: contextvars.ContextVar = contextvars.ContextVar("events_request", default=None)


class ActorMiddleware:
    """Makes the request visible to the change recorder for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_actor() -> dict:
    """The actor of the current change; never a secret (a key is named by its prefix)."""
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    if isinstance(user, ApiPrincipal):
        return {
            "type": "api_key",
            "application": user.key.application.app_id if user.application_id else None,
            "keyPrefix": user.key.prefix,
        }
    if user is not None and getattr(user, "is_authenticated", False):
        return {"type": "staff", "id": user.pk, "username": user.get_username()}
    if request is not None:
        return {"type": "anonymous"}
    command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") else None
    return {"type": "command", "name": command} if command else {"type": "system"}
