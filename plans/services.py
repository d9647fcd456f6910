"""Writes of plans: cache invalidation when a plan or its limits change."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

from core.audit import announce
from plans.selectors import plan_version_key


def plan_touch(*, plan_id: int) -> None:
    """After a plan or its limits change: every process reads the new plan on its next
    request (a new version makes the cached snapshot unreachable)."""

    def bump() -> None:
        cache.set(plan_version_key(plan_id), uuid.uuid4().hex, None)

    transaction.on_commit(bump)
    announce(tenant_id=None, subject_type="plan", subject_id=plan_id, action="changed")
