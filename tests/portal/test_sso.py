"""POST /v1/portal/sso and `portal_login_link`: one-time links, single use, short-lived."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.exceptions import MSG_EMAIL_IN_OTHER_TENANT
from portal.models import LoginToken, TenantUser
from portal.services import login_token_issue, login_token_redeem, tenant_user_ensure
from portal.views import MSG_LINK_INVALID
from tests.apikeys.factories import make_provider_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_provider_key()[1]}")
    return client


def sso(provider, tenant, email, field="tenantId"):
    return provider.post("/v1/portal/sso", {field: tenant.public_id, "email": email}, format="json")


def path_of(url: str) -> str:
    return url.split("testserver", 1)[1]


def test_a_provider_gets_a_link_that_signs_a_new_user_in_as_a_member(provider, tenant_a, key_a):
    response = sso(provider, tenant_a, "New.Person@alice.example")
    assert response.status_code == 200
    body = response.json()
    assert body["url"].startswith("http://testserver/portal/sso/")
    expires = timezone.datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    assert expires <= timezone.now() + timedelta(minutes=5)
    browser = Client()
    followed = browser.get(path_of(body["url"]))
    assert followed.status_code == 302 and followed["Location"] == "/portal/"
    page = browser.get("/portal/")
    assert page.status_code == 200 and tenant_a.public_id in page.content.decode()
    membership = TenantUser.objects.get(user__username="new.person@alice.example")
    assert membership.tenant == tenant_a and membership.role == "member"


def test_a_link_works_once(provider, tenant_a):
    url = path_of(sso(provider, tenant_a, "once@alice.example").json()["url"])
    assert Client().get(url).status_code == 302
    second = Client()
    assert second.get(url).context["error"] == MSG_LINK_INVALID
    assert second.get("/portal/").status_code == 302  # not signed in


def test_an_expired_link_is_refused(provider, tenant_a):
    url = path_of(sso(provider, tenant_a, "late@alice.example").json()["url"])
    LoginToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()
    assert client.get(url).context["error"] == MSG_LINK_INVALID
    assert client.get("/portal/").status_code == 302


def test_a_made_up_link_is_refused():
    assert Client().get("/portal/sso/not-a-token").context["error"] == MSG_LINK_INVALID


def test_an_existing_owner_stays_owner(provider, tenant_a):
    tenant_user_ensure(tenant=tenant_a, email="boss@alice.example", role="owner")
    assert sso(provider, tenant_a, "boss@alice.example").status_code == 200
    assert TenantUser.objects.get(user__username="boss@alice.example").role == "owner"


def test_snake_case_tenant_id_is_accepted_too(provider, tenant_a):
    assert sso(provider, tenant_a, "snake@alice.example", field="tenant_id").status_code == 200


def test_an_email_of_another_tenants_user_is_a_conflict(provider, tenant_a, tenant_b):
    tenant_user_ensure(tenant=tenant_b, email="shared@example.com")
    response = sso(provider, tenant_a, "shared@example.com")
    assert response.status_code == 409
    assert response.json()["detail"] == MSG_EMAIL_IN_OTHER_TENANT
    assert TenantUser.objects.get(user__username="shared@example.com").tenant == tenant_b


def test_an_unknown_or_inactive_tenant_is_not_found(provider, tenant_a):
    response = provider.post(
        "/v1/portal/sso", {"tenantId": "tn_nope", "email": "a@b.example"}, format="json"
    )
    assert response.status_code == 404
    tenant_a.is_active = False
    tenant_a.save()
    assert sso(provider, tenant_a, "a@alice.example").status_code == 404


@pytest.mark.parametrize("body", [{}, {"tenantId": "tn_x"}, {"email": "a@b.example"}])
def test_a_bad_body_is_a_400_problem(provider, body):
    response = provider.post("/v1/portal/sso", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_tenant_key_cannot_ask_for_a_link(alice_client, tenant_a):
    response = sso(alice_client, tenant_a, "a@alice.example")
    assert response.status_code == 401
    assert response.json()["code"] == "wrong_key_type"
    assert not TenantUser.objects.exists()


def test_no_key_is_a_401(tenant_a):
    assert sso(APIClient(), tenant_a, "a@alice.example").status_code == 401


@pytest.mark.postgres_only
# Committed rows for the threads; serialized_rollback restores the seeded plans afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_redemptions_let_exactly_one_in(tenant_a):
    membership = tenant_user_ensure(tenant=tenant_a, email="race@alice.example")
    raw = login_token_issue(tenant_user=membership)
    barrier, results = threading.Barrier(8), []

    def redeem():
        barrier.wait()
        try:
            results.append(login_token_redeem(raw=raw) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_the_command_prints_a_link_for_a_new_owner(tenant_a):
    out = StringIO()
    call_command(
        "portal_login_link",
        "--tenant",
        tenant_a.public_id,
        "--email",
        "first@alice.example",
        "--owner",
        stdout=out,
        stderr=StringIO(),
    )
    url = out.getvalue().strip()
    assert url.startswith("http://127.0.0.1:8000/portal/sso/")
    assert TenantUser.objects.get(user__username="first@alice.example").role == "owner"
    client = Client()
    assert client.get(path_of(url.replace("127.0.0.1:8000", "testserver"))).status_code == 302
    assert client.get("/portal/").context["tenant_user"].is_owner


def test_the_command_refuses_an_unknown_tenant():
    with pytest.raises(CommandError):
        call_command("portal_login_link", "--tenant", "tn_nope", "--email", "a@b.example")
