"""Changes of the apps below `events` (tenants, plans, apikeys), announced for the history.

Those apps may not import `events`, so each of their services announces its change here,
inside its own transaction, and the events app connects the recorder (events.apps): a
committed change has its history entry, a rolled-back one has none. `changes` is
{"field": [old, new]} and never holds a secret.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.dispatch import Signal

# kwargs: tenant_id, subject_type, subject_id, action, changes
changed = Signal()


def diff(old: dict, new: dict) -> dict[str, list]:
    """{"field": [old, new]} for each field whose value differs."""
    return {
        field: [old.get(field), value] for field, value in new.items() if old.get(field) != value
    }


def announce(
    *, tenant_id: int | None, subject_type: str, subject_id, action: str, changes=None
) -> None:
    """Record one change of a tenant, application, key or plan (JSON-safe values only)."""
    changed.send(
        sender=subject_type,
        tenant_id=tenant_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        action=action,
        changes=json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder)),
    )
