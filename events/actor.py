"""Who is making the current change: an API key, a staff user or a management command.

The actor is worked out only when a change is recorded, from the request being served
(core.request_id.current_request). DRF puts its authenticated principal on the underlying
HttpRequest, so API calls are seen here without the views passing anything.
"""

import sys

from apikeys.authentication import ApiPrincipal
from core.request_id import current_request


def current_actor() -> dict:
    """The actor of the current change; never a secret (a key is named by its prefix)."""
    request = current_request()
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
