"""Concurrent API-management writes (PostgreSQL, real threads): a staff edit made from a
stale form, a plan change or a roll never undoes a suspension or a revocation."""

import pytest
from django.utils import timezone

from apikeys.exceptions import KeyNotLive
from apikeys.models import ApiKey, Application
from apikeys.services import (
    apikey_create,
    apikey_revoke,
    apikey_roll,
    apikey_save,
    application_approve,
    application_change_plan,
    application_create,
    application_save,
    application_suspend,
)
from plans.models import Plan
from tenants.services import tenant_create
from tests.races.helpers import count_anomalies, run_pair

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def tenant(db):
    return tenant_create(name="Racy")


def _fresh(application):
    return Application.objects.get(pk=application.pk)


def test_a_staff_edit_from_a_stale_form_never_undoes_a_suspension(tenant):
    def lost(trial):
        application = application_create(tenant=tenant, name=f"app {trial}")
        stale = _fresh(application)  # the admin form's instance, read before the suspension
        stale.name = f"renamed {trial}"
        run_pair(
            lambda: application_save(application=stale, changed=["name"]),
            lambda: application_suspend(application=_fresh(application)),
        )
        stored = _fresh(application)
        return (stored.state, stored.name) != ("suspended", f"renamed {trial}")

    name = "admin application edit || suspend: suspension or edit lost"
    assert count_anomalies(name, lost) == 0, name


def test_a_plan_change_racing_a_suspension_keeps_both(tenant):
    platinum = Plan.objects.get(slug="platinum")

    def lost(_trial):
        application = application_create(tenant=tenant)
        run_pair(
            lambda: application_change_plan(application=_fresh(application), plan=platinum),
            lambda: application_suspend(application=_fresh(application)),
        )
        stored = _fresh(application)
        return (stored.state, stored.plan_id) != ("suspended", platinum.pk)

    name = "plan change || suspend: one of them lost"
    assert count_anomalies(name, lost) == 0, name


def test_approve_racing_suspend_of_a_pending_application_ends_suspended(tenant):
    approval = Plan.objects.create(slug="needs-ok", name="Needs OK", requires_approval=True)

    def lost(_trial):
        application = application_create(tenant=tenant, plan=approval)
        _approved, suspended = run_pair(
            lambda: application_approve(application=_fresh(application)),
            lambda: application_suspend(application=_fresh(application)),
        )
        # suspend always applies; approve applies only if it came first (suspend follows)
        return _fresh(application).state != "suspended" or suspended is not True

    name = "approve || suspend: suspension lost"
    assert count_anomalies(name, lost) == 0, name


def test_a_staff_key_edit_from_a_stale_form_never_unrevokes_the_key(tenant):
    application = application_create(tenant=tenant)

    def lost(trial):
        key, _raw = apikey_create(application=application, label="old")
        stale = ApiKey.objects.get(pk=key.pk)
        stale.label = f"new {trial}"
        run_pair(
            lambda: apikey_save(key=stale, changed=["label"]),
            lambda: apikey_revoke(key=ApiKey.objects.get(pk=key.pk)),
        )
        stored = ApiKey.objects.get(pk=key.pk)
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())  # room for the next
        return stored.revoked_at is None or stored.label != f"new {trial}"

    name = "admin key edit || revoke: revocation or edit lost"
    assert count_anomalies(name, lost) == 0, name


def test_a_roll_racing_a_revoke_never_leaves_the_old_key_live(tenant):
    application = application_create(tenant=tenant)

    def lost(_trial):
        key, _raw = apikey_create(application=application, label="k")
        rolled, _revoked = run_pair(
            lambda: apikey_roll(key=ApiKey.objects.get(pk=key.pk)),
            lambda: apikey_revoke(key=ApiKey.objects.get(pk=key.pk)),
        )
        old = ApiKey.objects.get(pk=key.pk)
        ApiKey.objects.filter(application=application).update(revoked_at=timezone.now())
        return old.revoked_at is None or not isinstance(rolled, KeyNotLive | tuple)

    name = "roll || revoke: old key live again"
    assert count_anomalies(name, lost) == 0, name
