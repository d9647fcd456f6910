"""Portal pages through Django's test client: every page, both roles, both tenants."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from apikeys.exceptions import MSG_KEY_LIMIT, MSG_KEY_NOT_LIVE
from apikeys.models import MAX_LIVE_KEYS_PER_APPLICATION, ApiKey
from portal.exceptions import MSG_LAST_OWNER
from portal.models import TenantUser
from portal.services import tenant_user_ensure
from portal.views import MSG_TOO_MANY_ATTEMPTS
from tests.core.test_cache_errors import UNREACHABLE
from tests.portal.conftest import PASSWORD, signed_in
from usage.services import usage_flush

pytestmark = pytest.mark.django_db

PAGES = ["/portal/", "/portal/keys", "/portal/usage", "/portal/members", "/portal/docs"]


def app_of(tenant):
    return tenant.applications.get()


@pytest.mark.parametrize("url", [*PAGES, "/portal/usage.csv"])
def test_every_page_sends_an_anonymous_visitor_to_the_login_page(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login?next=")


@pytest.mark.parametrize("url", PAGES)
def test_a_staff_user_without_a_tenant_is_forbidden(url):
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client = Client()
    client.force_login(staff)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_for_a_member_and_names_only_their_tenant(
    url, member_a_client, tenant_a, tenant_b, owner_b
):
    response = member_a_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert tenant_a.public_id in body
    assert tenant_b.public_id not in body and "bea@bob.example" not in body


def test_overview_shows_plan_limits_state_and_todays_hits(owner_a_client, alice_client, tenant_a):
    for _ in range(3):
        assert alice_client.get("/v1/customer").status_code == 200
    body = owner_a_client.get("/portal/").content.decode()
    application = app_of(tenant_a)
    assert application.plan.name in body
    assert "Live" in body
    assert "<strong>3</strong> hits today" in body
    assert "Remaining" in body and "Resets" in body


def test_keys_are_listed_masked_with_scopes(owner_a_client, key_a):
    key, raw = key_a
    body = owner_a_client.get("/portal/keys").content.decode()
    assert f"{key.prefix}••••••••" in body
    assert raw not in body and key.key_hash not in body
    assert "read, write" in body


def test_an_owner_creates_a_key_that_is_shown_once(owner_a_client, tenant_a):
    app = app_of(tenant_a)
    response = owner_a_client.post(
        f"/portal/keys?app={app.app_id}",
        {"app": app.app_id, "label": "ci", "scopes": ["read"]},
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get(label="ci")
    assert key.scopes == ["read"] and key.application == app
    raw = response.context["created"]["raw"]
    assert raw.startswith(key.prefix) and key.matches(raw)
    assert raw in response.content.decode()
    assert raw not in owner_a_client.get("/portal/keys").content.decode()


def test_a_key_without_scopes_is_refused(owner_a_client, tenant_a):
    app = app_of(tenant_a)
    response = owner_a_client.post("/portal/keys", {"app": app.app_id, "label": "none"})
    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors["scopes"]
    assert not ApiKey.objects.filter(label="none").exists()


def test_the_live_key_limit_of_v1_keys_applies(owner_a_client, tenant_a):
    app = app_of(tenant_a)
    data = {"app": app.app_id, "label": "more", "scopes": ["read"]}
    responses = [
        owner_a_client.post("/portal/keys", data) for _ in range(MAX_LIVE_KEYS_PER_APPLICATION)
    ]
    assert [r.status_code for r in responses[:-1]] == [201] * (MAX_LIVE_KEYS_PER_APPLICATION - 1)
    refused = responses[-1]
    assert refused.status_code == 200 and refused.context["created"] is None
    assert refused.context["error"] == MSG_KEY_LIMIT.format(limit=MAX_LIVE_KEYS_PER_APPLICATION)
    assert app.keys.count() == MAX_LIVE_KEYS_PER_APPLICATION


def test_an_owner_rolls_a_key_with_grace(owner_a_client, tenant_a, key_a):
    key, _raw = key_a
    app = app_of(tenant_a)
    before = timezone.now()
    response = owner_a_client.post(
        f"/portal/keys/{key.public_id}/roll", {"app": app.app_id, "grace_hours": "2"}
    )
    assert response.status_code == 201
    key.refresh_from_db()
    assert before + timedelta(hours=2) <= key.expires_at <= timezone.now() + timedelta(hours=2)
    new = response.context["created"]["key"]
    assert new.pk != key.pk and new.scopes == key.scopes
    assert response.context["created"]["raw"] in response.content.decode()


def test_an_owner_revokes_a_key(owner_a_client, tenant_a, key_a):
    key, _raw = key_a
    app = app_of(tenant_a)
    response = owner_a_client.post(f"/portal/keys/{key.public_id}/revoke", {"app": app.app_id})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_revoked_key_cannot_be_rolled(owner_a_client, tenant_a, key_a):
    key, _raw = key_a
    app = app_of(tenant_a)
    owner_a_client.post(f"/portal/keys/{key.public_id}/revoke", {"app": app.app_id})
    response = owner_a_client.post(
        f"/portal/keys/{key.public_id}/roll", {"app": app.app_id, "grace_hours": "1"}
    )
    assert response.status_code == 200 and response.context["created"] is None
    assert response.context["error"] == MSG_KEY_NOT_LIVE
    assert app.keys.count() == 1


@pytest.mark.parametrize(
    "path, data",
    [
        ("/portal/keys", {"label": "x", "scopes": ["read"]}),
        ("/portal/keys/{key}/roll", {"grace_hours": "1"}),
        ("/portal/keys/{key}/revoke", {}),
    ],
)
def test_a_member_cannot_change_keys(member_a_client, tenant_a, key_a, path, data):
    key, _raw = key_a
    app = app_of(tenant_a)
    response = member_a_client.post(path.format(key=key.public_id), {"app": app.app_id, **data})
    assert response.status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None and key.expires_at is None
    assert ApiKey.objects.filter(application=app).count() == 1


@pytest.mark.parametrize("action", ["roll", "revoke"])
def test_another_tenants_key_is_not_found(owner_b_client, tenant_a, tenant_b, key_a, action):
    key, _raw = key_a
    for app in (app_of(tenant_b), app_of(tenant_a)):  # own app id, or the victim's
        response = owner_b_client.post(
            f"/portal/keys/{key.public_id}/{action}", {"app": app.app_id, "grace_hours": "0"}
        )
        assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None and key.expires_at is None


@pytest.mark.parametrize("url", ["/portal/keys", "/portal/usage", "/portal/usage.csv"])
def test_another_tenants_application_is_not_found(owner_b_client, tenant_a, key_a, url):
    assert owner_b_client.get(f"{url}?app={app_of(tenant_a).app_id}").status_code == 404


def test_creating_a_key_in_another_tenants_application_is_not_found(
    owner_b_client, tenant_a, key_a
):
    app = app_of(tenant_a)
    response = owner_b_client.post("/portal/keys", {"app": app.app_id, "scopes": ["read"]})
    assert response.status_code == 404
    assert app.keys.count() == 1


def test_usage_of_another_tenants_key_is_not_found(owner_b_client, key_a):
    assert owner_b_client.get(f"/portal/usage?key={key_a[0].public_id}").status_code == 404


def test_members_can_view_members_but_not_change_them(member_a_client, owner_a, member_a):
    body = member_a_client.get("/portal/members").content.decode()
    assert "olga@alice.example" in body and "mario@alice.example" in body
    response = member_a_client.post(
        "/portal/members", {"member": member_a.pk, "action": "role", "role": "owner"}
    )
    assert response.status_code == 403
    member_a.refresh_from_db()
    assert member_a.role == "member"


def test_an_owner_promotes_a_member_and_cannot_demote_the_last_owner(
    owner_a_client, owner_a, member_a
):
    response = owner_a_client.post(
        "/portal/members", {"member": member_a.pk, "action": "role", "role": "owner"}
    )
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.role == "owner"
    owner_a_client.post("/portal/members", {"member": owner_a.pk, "role": "member"})
    owner_a.refresh_from_db()
    assert owner_a.role == "member"
    last = signed_in(member_a).post(
        "/portal/members", {"member": member_a.pk, "action": "role", "role": "member"}
    )
    assert last.status_code == 200 and last.context["error"] == MSG_LAST_OWNER
    member_a.refresh_from_db()
    assert member_a.role == "owner"


def test_an_owner_removes_a_member(owner_a_client, member_a):
    response = owner_a_client.post("/portal/members", {"member": member_a.pk, "action": "remove"})
    assert response.status_code == 302
    assert not TenantUser.objects.filter(pk=member_a.pk).exists()


def test_another_tenants_member_is_not_found(owner_b_client, member_a):
    response = owner_b_client.post("/portal/members", {"member": member_a.pk, "action": "remove"})
    assert response.status_code == 404
    assert TenantUser.objects.filter(pk=member_a.pk).exists()


def test_usage_shows_hits_per_hour_per_day_per_metric_and_per_key(
    member_a_client, alice_client, key_a
):
    for _ in range(4):
        alice_client.get("/v1/customer")
    usage_flush()
    alice_client.post("/v1/customer", {"firstName": "Ada"}, format="json")  # still pending
    response = member_a_client.get("/portal/usage")
    assert response.status_code == 200
    assert response.context["hourly_chart"]["total"] == 5
    assert response.context["daily_chart"]["total"] == 5
    rows = {row["metric"]: row for row in response.context["metric_rows"]}
    assert rows["hits"]["today"] == 5 and rows["customer.list"]["week"] == 4
    assert rows["customer.create"]["quarter"] == 1
    [key_row] = response.context["key_rows"]
    assert key_row["key"].pk == key_a[0].pk and key_row["quarter"] == 5
    assert 'class="chart"' in response.content.decode()
    by_metric = member_a_client.get("/portal/usage?metric=customer.create")
    assert by_metric.context["hourly_chart"]["total"] == 1
    by_key = member_a_client.get(f"/portal/usage?key={key_a[0].public_id}&metric=customer.list")
    assert by_key.context["daily_chart"]["total"] == 4


def test_an_unknown_metric_is_not_found(member_a_client):
    assert member_a_client.get("/portal/usage?metric=nope").status_code == 404


def test_usage_csv_has_totals_and_per_key_rows(member_a_client, alice_client, key_a):
    for _ in range(2):
        alice_client.get("/v1/customer")
    response = member_a_client.get("/portal/usage.csv?period=day")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["day", "metric", "key_prefix", "count"]
    hits = {(r[2], r[3]) for r in rows[1:] if r[1] == "hits"}
    assert hits == {("", "2"), (key_a[0].prefix, "2")}


def test_docs_link_swagger_and_redoc_with_the_tenant_id(member_a_client, tenant_a):
    body = member_a_client.get("/portal/docs").content.decode()
    assert f'href="/api/docs/" id="swagger-link" data-swagger-tenant="{tenant_a.public_id}"' in body
    assert 'href="/api/redoc/"' in body
    assert f"x-business-tenant-id: {tenant_a.public_id}" in body


def test_sign_in_with_email_and_password(owner_a):
    client = Client()
    assert client.get("/portal/login").status_code == 200
    response = client.post(
        "/portal/login", {"username": "Olga@Alice.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_a_wrong_password_does_not_sign_in(owner_a):
    client = Client()
    response = client.post("/portal/login", {"username": owner_a.user.email, "password": "no"})
    assert response.status_code == 200
    assert client.get("/portal/").status_code == 302


@override_settings(PORTAL_LOGIN_ATTEMPTS_PER_USER=3)
def test_sign_in_attempts_are_limited_per_email(owner_a):
    client = Client()
    data = {"username": owner_a.user.email, "password": "wrong"}
    statuses = [client.post("/portal/login", data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.post("/portal/login", {**data, "password": PASSWORD})
    assert refused.status_code == 429 and refused["Retry-After"] == "900"
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == MSG_TOO_MANY_ATTEMPTS
    assert client.get("/portal/").status_code == 302  # the right password did not sign in


@override_settings(PORTAL_LOGIN_ATTEMPTS_PER_IP=2)
def test_sign_in_attempts_are_limited_per_address(owner_a, member_a):
    client = Client()
    client.post("/portal/login", {"username": "a@example.com", "password": "x"})
    client.post("/portal/login", {"username": "b@example.com", "password": "x"})
    response = client.post("/portal/login", {"username": owner_a.user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_login_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/portal/login", {"username": "a@example.com", "password": "x"})
    assert response.status_code == 403


def test_password_reset_mails_a_tenant_user_even_without_a_password(tenant_a):
    tenant_user_ensure(tenant=tenant_a, email="new@alice.example")  # as SSO makes them
    get_user_model().objects.create_user("staffer", "staff@example.com", "x")
    client = Client()
    for email in ("new@alice.example", "staff@example.com", "nobody@example.com"):
        assert client.post("/portal/password-reset", {"email": email}).status_code == 302
    assert [m.to for m in mail.outbox] == [["new@alice.example"]]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/portal/reset/" in line)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-Portal-pass-9", "new_password2": "a-new-Portal-pass-9"},
    )
    assert done.status_code == 302
    assert client.login(username="new@alice.example", password="a-new-Portal-pass-9")


def test_with_the_shared_cache_down_sign_in_fails_closed_with_a_503(owner_a):
    with override_settings(CACHES=UNREACHABLE):
        response = Client().post(
            "/portal/login", {"username": owner_a.user.email, "password": PASSWORD}
        )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "1"
