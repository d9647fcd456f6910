"""Plans fixtures: applications on purpose-built plans, a fixed clock, both limiter backends."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from apikeys.services import apikey_create, application_create
from plans import limiter, usage_store, windows
from plans.defaults import ALL_FAMILIES, ALL_METHODS
from plans.models import Plan, PlanLimit
from tests.conftest import make_client


def make_plan(slug, limits, *, families=None, methods=None, trial_days=None) -> Plan:
    plan = Plan.objects.create(
        name=slug.title(),
        slug=slug,
        families=ALL_FAMILIES if families is None else families,
        methods=ALL_METHODS if methods is None else methods,
        trial_days=trial_days,
    )
    for metric, period, value in limits:
        PlanLimit.objects.create(plan=plan, metric=metric, period=period, value=value)
    return plan


def client_on(tenant, plan):
    """(client, application, key) for a new application of `tenant` on `plan`."""
    application = application_create(tenant=tenant, plan=plan, name=f"app on {plan.slug}")
    key, raw = apikey_create(application=application, label="test")
    return make_client(tenant, raw), application, key


@pytest.fixture
def fixed_now(monkeypatch):
    """Freeze the limiter's clock 30 s into a minute an hour from now (windows stay in the
    future, so Redis expiries are real), making Retry-After and resets exact."""
    at = (datetime.now(UTC) + timedelta(hours=1)).replace(second=30, microsecond=0)
    monkeypatch.setattr(windows, "now", lambda: at)
    return at


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis_only)])
def backend(request, monkeypatch):
    """Run a test against each real limiter backend (Redis only when REDIS_URL is set)."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    if request.param == "redis":
        store, instance = usage_store.RedisUsageStore(), limiter.RedisBackend()
    else:
        store = usage_store.MemoryUsageStore()
        instance = limiter.MemoryBackend(store)
    monkeypatch.setattr(usage_store, "_store", store)
    monkeypatch.setattr(limiter, "_backend", instance)
    return instance
