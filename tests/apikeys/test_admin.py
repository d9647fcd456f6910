"""Staff admin: application approval/suspension/plan, key create/roll/revoke, tenant
deactivation. Each change is seen by the API on its next request (auth cache invalidated)."""

import re

import pytest
from django.contrib.messages import get_messages

from apikeys.models import ApiKey, Application
from apikeys.services import apikey_create
from plans.models import Plan
from tests.apikeys.factories import make_plan
from tests.conftest import make_client


@pytest.fixture
def pending_app(tenant_a):
    from apikeys.services import application_create

    application = application_create(
        tenant=tenant_a, plan=make_plan("vip", requires_approval=True), name="VIP"
    )
    return application, apikey_create(application=application)[1]


def _action(admin_client, model: str, action: str, pks) -> list[str]:
    response = admin_client.post(
        f"/admin/{model}/", {"action": action, "_selected_action": [str(pk) for pk in pks]}
    )
    assert response.status_code == 302, response.content[:500]
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_admin_pages_render(admin_client, key_a, tenant_a):
    application = key_a[0].application
    for url in [
        "/admin/apikeys/application/",
        f"/admin/apikeys/application/{application.pk}/change/",
        "/admin/apikeys/application/add/",
        "/admin/apikeys/apikey/",
        "/admin/apikeys/apikey/add/",
        f"/admin/apikeys/apikey/{key_a[0].pk}/change/",
        f"/admin/tenants/tenant/{tenant_a.pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_approve_action_lets_a_pending_applications_key_in(admin_client, tenant_a, pending_app):
    application, raw = pending_app
    client = make_client(tenant_a, raw)
    assert client.get("/v1/customer").json()["code"] == "application_pending"
    messages = _action(admin_client, "apikeys/application", "approve", [application.pk])
    assert "Approved 1" in messages[0]
    assert client.get("/v1/customer").status_code == 200


def test_suspend_then_reactivate_actions(admin_client, key_a, alice_client):
    application = key_a[0].application
    assert alice_client.get("/v1/customer").status_code == 200
    _action(admin_client, "apikeys/application", "suspend", [application.pk])
    assert alice_client.get("/v1/customer").json()["code"] == "application_suspended"
    _action(admin_client, "apikeys/application", "reactivate", [application.pk])
    assert alice_client.get("/v1/customer").status_code == 200


def test_changing_the_plan_in_admin_is_seen_on_the_next_request(admin_client, key_a, tenant_a):
    from tests.apikeys.test_authentication import _authorise

    application = key_a[0].application
    assert _authorise(key_a[1], tenant_a).plan_id == application.plan_id
    silver = Plan.objects.get(slug="silver")
    response = admin_client.post(
        f"/admin/apikeys/application/{application.pk}/change/",
        {
            "name": application.name,
            "plan": silver.pk,
            "trial_ends_at_0": "",
            "trial_ends_at_1": "",
            "keys-TOTAL_FORMS": "1",
            "keys-INITIAL_FORMS": "1",
            "keys-MIN_NUM_FORMS": "0",
            "keys-MAX_NUM_FORMS": "1000",
            "keys-0-id": str(key_a[0].pk),
            "keys-0-application": str(application.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Application.objects.get(pk=application.pk).plan == silver
    assert _authorise(key_a[1], tenant_a).plan_id == silver.pk


def test_adding_an_application_in_admin_follows_the_plan(admin_client, tenant_a):
    plan = make_plan("vip", requires_approval=True)
    response = admin_client.post(
        "/admin/apikeys/application/add/",
        {
            "tenant": tenant_a.pk,
            "name": "Staff made",
            "plan": plan.pk,
            "keys-TOTAL_FORMS": "0",
            "keys-INITIAL_FORMS": "0",
            "keys-MIN_NUM_FORMS": "0",
            "keys-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Application.objects.get(name="Staff made").state == "pending"


def test_adding_a_key_shows_it_once_and_it_works(admin_client, tenant_a, key_a):
    response = admin_client.post(
        "/admin/apikeys/apikey/add/",
        {
            "application": key_a[0].application_id,
            "kind": "cmk",
            "label": "staff",
            "scopes": '["read"]',
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [message] = [str(m) for m in get_messages(response.wsgi_request)][:1]
    raw = re.search(r"(cmk_[0-9A-Za-z]{38})", message).group(1)
    assert ApiKey.objects.get(label="staff").scopes == ["read"]
    assert make_client(tenant_a, raw).get("/v1/customer").status_code == 200


def test_adding_a_sixth_live_key_in_admin_is_refused(admin_client, key_a):
    for _ in range(4):
        apikey_create(application=key_a[0].application)
    response = admin_client.post(
        "/admin/apikeys/apikey/add/",
        {"application": key_a[0].application_id, "kind": "cmk", "scopes": '["read"]'},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "already has 5 live keys" in response.content.decode()


def test_revoke_and_roll_actions(admin_client, tenant_a, key_a, alice_client):
    other, other_raw = apikey_create(tenant=tenant_a, label="other")
    messages = _action(admin_client, "apikeys/apikey", "roll_keys", [key_a[0].pk])
    new_raw = re.search(r"(cmk_[0-9A-Za-z]{38})", messages[0]).group(1)
    assert alice_client.get("/v1/customer").status_code == 200  # grace period
    assert make_client(tenant_a, new_raw).get("/v1/customer").status_code == 200
    other_client = make_client(tenant_a, other_raw)
    assert other_client.get("/v1/customer").status_code == 200
    _action(admin_client, "apikeys/apikey", "revoke_keys", [other.pk])
    assert other_client.get("/v1/customer").json()["code"] == "api_key_revoked"


def test_editing_a_keys_scopes_in_admin_is_seen_on_the_next_request(
    admin_client, key_a, alice_client
):
    assert alice_client.post("/v1/customer", {"firstName": "A"}, format="json").status_code == 201
    response = admin_client.post(
        f"/admin/apikeys/apikey/{key_a[0].pk}/change/",
        {"label": "alice", "scopes": '["read"]', "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = alice_client.post("/v1/customer", {"firstName": "B"}, format="json")
    assert response.json()["code"] == "insufficient_scope"


def test_deleting_a_key_in_admin_is_seen_on_the_next_request(admin_client, key_a, alice_client):
    assert alice_client.get("/v1/customer").status_code == 200
    response = admin_client.post(f"/admin/apikeys/apikey/{key_a[0].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert alice_client.get("/v1/customer").json()["code"] == "authentication_failed"


def test_tenant_deactivation_and_edits_in_admin(admin_client, tenant_a, alice_client):
    assert alice_client.get("/v1/customer").status_code == 200
    _action(admin_client, "tenants/tenant", "deactivate", [tenant_a.pk])
    assert alice_client.get("/v1/customer").json()["code"] == "tenant_inactive"
    response = admin_client.post(
        f"/admin/tenants/tenant/{tenant_a.pk}/change/",
        {
            "public_id": tenant_a.public_id,
            "name": tenant_a.name,
            "is_active": "on",
            "default_region": "IT",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert alice_client.get("/v1/customer").status_code == 200
