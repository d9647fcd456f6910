"""Keyset cursors refuse forged input with a 400, never a database error."""

import base64
import json
import uuid

import pytest

from core.pagination import InvalidCursor, keyset_slice, make_sorts
from customers.models import Customer

SORTS = make_sorts({"lastName": ("last_name", False), "createdAt": ("created_at", True)})


def _forge(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "payload",
    [
        {"s": "lastName", "v": "Rossi\u0000", "k": str(uuid.uuid4())},
        {"s": "lastName", "v": 42, "k": str(uuid.uuid4())},
        {"s": "lastName", "v": "Rossi", "k": "not-a-uuid"},
        {"s": "createdAt", "v": "yesterday", "k": str(uuid.uuid4())},
        {"s": "-lastName", "v": "Rossi", "k": str(uuid.uuid4())},
    ],
)
def test_a_forged_cursor_is_invalid_not_a_database_error(db, payload):
    with pytest.raises(InvalidCursor):
        keyset_slice(
            Customer.objects.all(), sort=SORTS["lastName"], cursor=_forge(payload), limit=10
        )
