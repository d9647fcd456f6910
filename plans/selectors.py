"""Reads of plans. The per-request one (the plan snapshot) is served from the cache once warm."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DatabaseError

from core.cache_errors import CACHE_ERRORS
from plans import limiter
from plans.defaults import DEFAULT_PLANS
from plans.models import HITS, Plan

PLAN_CACHE_SECONDS = 600
PLAN_LOCAL_SECONDS = 60  # how long a process keeps a plan it has not had to re-read

# plan id -> (snapshot, version, time.monotonic() when read): see plan_snapshot_local.
_local: dict[int, tuple[PlanSnapshot, str, float]] = {}


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


def _plan_snapshot_build(plan_id: int) -> PlanSnapshot | None:
    plan = Plan.objects.filter(pk=plan_id).prefetch_related("limits").first()
    if plan is None:
        return None
    return PlanSnapshot(
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


def plan_snapshot_versioned(*, plan_id: int) -> tuple[PlanSnapshot | None, str | None]:
    """(the plan as enforcement sees it, the version it was read under): two cache reads
    once warm, no database query. Also kept in this process for plan_snapshot_local. With
    Redis unavailable the plan is read from the database and the version is None.

    The version is read before the database, so a snapshot built from data that a
    concurrent `plan_touch` replaced is stored under the old version and never read.
    """
    try:
        version = _plan_version(plan_id)
        key = f"plans:snapshot:{plan_id}:{version}"
        snapshot = cache.get(key)
    except CACHE_ERRORS:  # Redis unavailable: the database answers, nothing is kept
        return _plan_snapshot_build(plan_id), None
    if snapshot is None:
        snapshot = _plan_snapshot_build(plan_id)
        if snapshot is None:
            return None, version
        try:
            cache.set(key, snapshot, PLAN_CACHE_SECONDS)
        except CACHE_ERRORS:
            return snapshot, None
    _local[plan_id] = (snapshot, version, time.monotonic())
    return snapshot, version


def plan_snapshot_get(*, plan_id: int) -> PlanSnapshot | None:
    """The current plan (see plan_snapshot_versioned)."""
    return plan_snapshot_versioned(plan_id=plan_id)[0]


def plan_snapshot_local(*, plan_id: int) -> tuple[PlanSnapshot, str] | None:
    """This process's copy of the plan with its version, read at most PLAN_LOCAL_SECONDS ago,
    at no cost. It may be out of date: use it only where the version is confirmed in the same
    atomic step (the limiter's guard on plan_version_key), or re-read before refusing."""
    entry = _local.get(plan_id)
    if entry is None or time.monotonic() - entry[2] > PLAN_LOCAL_SECONDS:
        return None
    return entry[0], entry[1]
