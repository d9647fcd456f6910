"""Idempotency-Key on every authenticated POST: retries replay, never write twice."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import URLPattern, get_resolver, path
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apikeys.models import ApiKey
from apikeys.services import apikey_create
from core.idempotency import MSG_KEY_REUSED, IdempotentPostMixin, idempotent_post_routes
from core.models import IdempotencyRecord
from customers.models import Customer
from tenants.models import Tenant
from tests.api.helpers import assert_problem, company_url, make_customer
from tests.apikeys.factories import make_provider_key
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

URL = "/v1/customer"


def post(client, url, body=None, key="k-1", **extra):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def assert_replay_of(first, again):
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    for header in ("Content-Type", "Location", "ETag"):
        assert again.get(header) == first.get(header)


def test_a_retry_with_the_same_key_and_body_replays_the_first_response_and_writes_nothing(
    alice_client,
):
    first = post(alice_client, URL, {"firstName": "Mario", "email": "m@example.com"})
    assert first.status_code == 201
    again = post(alice_client, URL, {"email": "m@example.com", "firstName": "Mario"})
    assert_replay_of(first, again)  # the same body in another key order is the same request
    assert again["Location"].endswith(first.json()["id"])
    assert Customer.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(alice_client):
    assert post(alice_client, URL, {"firstName": "Mario"}).status_code == 201
    body = assert_problem(post(alice_client, URL, {"firstName": "Luigi"}), 422)
    assert body["code"] == "idempotency_key_reused" and body["detail"] == MSG_KEY_REUSED
    assert list(Customer.objects.values_list("first_name", flat=True)) == ["Mario"]


def test_the_same_key_on_another_route_is_422(alice_client):
    assert post(alice_client, URL, {"firstName": "Mario"}).status_code == 201
    assert_problem(post(alice_client, "/v1/keys", {"label": "x"}), 422, "idempotency_key_reused")
    assert ApiKey.objects.filter(label="x").count() == 0


def test_error_responses_replay_as_themselves(tenant_a, alice_client):
    holder = make_customer(tenant_a, email="taken@example.com")
    first = post(alice_client, URL, {"email": "taken@example.com"})
    assert_problem(first, 409, "duplicate_customer")
    alice_client.delete(f"{URL}/{holder.pk}")  # the email is free now, but the key answered 409
    again = post(alice_client, URL, {"email": "taken@example.com"})
    assert_replay_of(first, again)
    invalid = post(alice_client, URL, {"email": "not-an-email"}, key="k-2")
    assert_problem(invalid, 400, "validation_error")
    assert_replay_of(invalid, post(alice_client, URL, {"email": "not-an-email"}, key="k-2"))
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 0


def test_keys_are_scoped_to_the_application(tenant_a, alice_client, bob_client):
    first = post(alice_client, URL, {"firstName": "Mario"})
    other = post(bob_client, URL, {"firstName": "Mario"})  # same key, another application
    assert other.status_code == 201 and not other.has_header("Idempotent-Replayed")
    _key, raw = apikey_create(tenant=tenant_a, label="second key, same application")
    assert_replay_of(first, post(make_client(tenant_a, raw), URL, {"firstName": "Mario"}))
    assert Customer.objects.count() == 2


def test_a_key_longer_than_255_characters_is_400(alice_client):
    response = post(alice_client, URL, {"firstName": "Mario"}, key="k" * 256)
    body = assert_problem(response, 400, "idempotency_key_invalid")
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert_problem(post(alice_client, URL, {"firstName": "Mario"}, key=""), 400)
    assert Customer.objects.count() == 0
    assert post(alice_client, URL, {"firstName": "Mario"}, key="k" * 255).status_code == 201


def test_without_the_header_every_post_writes(alice_client):
    for _ in range(2):
        assert alice_client.post(URL, {"firstName": "Mario"}, format="json").status_code == 201
    assert Customer.objects.count() == 2


def test_restore_company_create_keys_and_roll_replay_too(tenant_a, alice_client, tse):
    customer = make_customer(tenant_a, email="r@example.com")
    alice_client.delete(f"{URL}/{customer.pk}")
    restore = f"{URL}/{customer.pk}/restore"
    first = post(alice_client, restore, key="restore")
    assert first.status_code == 200
    alice_client.delete(f"{URL}/{customer.pk}")
    assert_replay_of(first, post(alice_client, restore, key="restore"))
    assert Customer.objects.get(pk=customer.pk).deleted_at is not None  # not restored again

    body = {"first-name": "A", "last-name": "B", "email": "c@example.com", "vat-number": ""}
    body["vat-number"] = "IT12345678901"
    first = post(alice_client, company_url(tenant_a), body, key="company")
    assert first.status_code == 201, first.content
    assert_replay_of(first, post(alice_client, company_url(tenant_a), body, key="company"))
    assert Customer.objects.filter(email="c@example.com").count() == 1

    keys_before = ApiKey.objects.count()
    first = post(alice_client, "/v1/keys", {"label": "ci"}, key="keys")
    assert_replay_of(first, post(alice_client, "/v1/keys", {"label": "ci"}, key="keys"))
    roll = f"/v1/keys/{first.json()['id']}/roll"
    rolled = post(alice_client, roll, {"expires_in": 60}, key="roll")
    assert rolled.status_code == 201
    assert_replay_of(rolled, post(alice_client, roll, {"expires_in": 60}, key="roll"))
    assert ApiKey.objects.count() == keys_before + 2


def test_signup_is_scoped_to_the_provider_key():
    _key, raw = make_provider_key()
    provider = APIClient()
    provider.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    first = post(provider, "/v1/signup", {"name": "Carla", "plan": "gold"})
    assert first.status_code == 201, first.content
    assert_replay_of(first, post(provider, "/v1/signup", {"name": "Carla", "plan": "gold"}))
    _other, other_raw = make_provider_key("other portal")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert post(other, "/v1/signup", {"name": "Carla", "plan": "gold"}).status_code == 201
    assert Tenant.objects.filter(name="Carla").count() == 2


def test_a_request_refused_before_the_view_runs_does_not_use_the_key(alice_client, tenant_a):
    anon = APIClient()
    assert post(anon, URL, {"firstName": "Mario"}).status_code == 401
    assert IdempotencyRecord.objects.count() == 0
    assert post(alice_client, URL, {"firstName": "Mario"}).status_code == 201


def test_a_server_error_stores_nothing_so_the_retry_runs_again(alice_client):
    client = alice_client
    with mock.patch(
        "customers.services.customer_create", side_effect=RuntimeError("crash")
    ) as crashed:
        client.raise_request_exception = False
        assert post(client, URL, {"firstName": "Mario"}).status_code == 500
        assert crashed.called
    assert IdempotencyRecord.objects.count() == 0
    retried = post(client, URL, {"firstName": "Mario"})
    assert retried.status_code == 201 and not retried.has_header("Idempotent-Replayed")


def test_the_write_and_its_record_commit_together(alice_client):
    """If storing the record fails, the customer written in the same transaction is gone too."""
    with mock.patch.object(
        IdempotencyRecord.objects, "create", side_effect=RuntimeError("disk full")
    ):
        with pytest.raises(RuntimeError):
            post(alice_client, URL, {"firstName": "Mario"})
    assert Customer.objects.count() == 0
    assert post(alice_client, URL, {"firstName": "Mario"}).status_code == 201
    assert IdempotencyRecord.objects.count() == 1


def test_records_are_kept_24_hours_then_purged_and_the_key_is_free_again(alice_client):
    assert post(alice_client, URL, {"firstName": "Mario"}).status_code == 201
    out = StringIO()
    call_command("purge_idempotency_keys", "--hours", "1", stdout=out)  # never under 24 h
    assert "Deleted 0" in out.getvalue()
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    # expired but not purged yet: the key works as a new one
    again = post(alice_client, URL, {"firstName": "Luigi"})
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    call_command("purge_idempotency_keys", stdout=out)
    assert IdempotencyRecord.objects.count() == 0


def test_the_schema_documents_the_header_on_every_authenticated_post(alice_client):
    schema = alice_client.get("/api/schema/?format=json").json()
    posts = {
        path: item["post"]
        for path, item in schema["paths"].items()
        if "post" in item and item["post"].get("security")
    }
    assert {"/v1/customer", "/v1/keys", "/v1/signup", "/v1/customer/{customer_id}/restore"} <= set(
        posts
    )
    for route, operation in posts.items():
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}, route
        assert "422" in operation["responses"] and "409" in operation["responses"], route


def test_every_routed_post_view_has_the_mechanism_without_opting_in():
    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                yield getattr(pattern.callback, "cls", None)
            else:
                yield from views(pattern.url_patterns)

    posts = {cls for cls in views(get_resolver().url_patterns) if cls and hasattr(cls, "post")}
    assert len(posts) >= 6
    assert all(issubclass(cls, IdempotentPostMixin) for cls in posts), posts

    class LaterPostApi(APIView):  # e.g. a route another branch adds
        def post(self, request):
            return None

    [later] = idempotent_post_routes([path("later", LaterPostApi.as_view())])
    assert issubclass(later.callback.cls, IdempotentPostMixin)
    assert issubclass(later.callback.cls, LaterPostApi)
