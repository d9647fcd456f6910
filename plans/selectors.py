"""Reads of plans. The per-request one (the plan snapshot) is served from the cache once warm."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DatabaseError

from plans import limiter
from plans.defaults import DEFAULT_PLANS
from plans.models import HITS, Plan

PLAN_CACHE_SECONDS = 600


def plan_get_default() -> Plan:
    """The plan new applications get when none is named (a data migration guarantees one)."""
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        raise Plan.DoesNotExist("No default plan: mark one plan as default in admin.")
    return plan


def plan_get_by_slug(*, slug: str) -> Plan | None:
    return Plan.objects.filter(slug=slug).first()


def plan_slugs() -> list[str]:
    """Every plan's slug, sorted: what signup accepts (its OpenAPI enum is built from this).
    Without a migrated database, or with no plans yet, the default plans' slugs (schema
    generation offline; an empty OpenAPI enum would be invalid)."""
    try:
        slugs = sorted(Plan.objects.values_list("slug", flat=True))
    except DatabaseError:
        slugs = []
    return slugs or sorted(plan[0] for plan in DEFAULT_PLANS)


@dataclass(frozen=True)
class PlanSnapshot:
    """What enforcement needs of a plan, small enough to cache and pickle."""

    id: int
    slug: str
    name: str
    families: frozenset[str]
    methods: frozenset[str]
    trial_days: int | None
    limits: tuple[limiter.LimitSpec, ...]

    def limits_for(self, method: str | None) -> list[limiter.LimitSpec]:
        """The limits one call counts against: `hits` and, if any, its method's."""
        return [
            lim for lim in self.limits if lim.metric == HITS or (method and lim.metric == method)
        ]


def plan_version_key(plan_id: int) -> str:
    return f"plans:version:{plan_id}"


def _plan_version(plan_id: int) -> str:
    version = cache.get(plan_version_key(plan_id))
    if version is None:
        cache.add(plan_version_key(plan_id), uuid.uuid4().hex, None)
        version = cache.get(plan_version_key(plan_id))
    return version


def plan_snapshot_get(*, plan_id: int) -> PlanSnapshot | None:
    """The plan as enforcement sees it: two cache reads once warm, no database query.

    The version is read before the database, so a snapshot built from data that a
    concurrent `plan_touch` replaced is stored under the old version and never read.
    """
    version = _plan_version(plan_id)
    key = f"plans:snapshot:{plan_id}:{version}"
    snapshot = cache.get(key)
    if snapshot is None:
        plan = Plan.objects.filter(pk=plan_id).prefetch_related("limits").first()
        if plan is None:
            return None
        snapshot = PlanSnapshot(
            id=plan.pk,
            slug=plan.slug,
            name=plan.name,
            families=frozenset(plan.families or []),
            methods=frozenset(plan.methods or []),
            trial_days=plan.trial_days,
            limits=tuple(
                limiter.LimitSpec(lim.metric, lim.period, lim.value)
                for lim in sorted(plan.limits.all(), key=lambda lim: (lim.metric, lim.period))
            ),
        )
        cache.set(key, snapshot, PLAN_CACHE_SECONDS)
    return snapshot
