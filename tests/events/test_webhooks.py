"""Webhook endpoints and delivery: Standard Webhooks signatures checked with the reference
`standardwebhooks` package against a real local HTTP receiver."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from apikeys.services import apikey_create
from customers.services import customer_create
from events.models import (
    MAX_ENDPOINTS_PER_APPLICATION,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from events.services import webhook_endpoint_create
from events.worker import JITTER, MAX_ATTEMPTS, RETRY_SCHEDULE, Worker, claim, retry_delay
from tests.api.test_v1_customers import assert_problem, create
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

URL = "/v1/webhook-endpoints"


def add_endpoint(client, url, events=("customer.*",), **extra):
    response = client.post(URL, {"url": url, "events": list(events), **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def verify(secret, headers, body) -> dict:
    return Webhook(secret).verify(body, headers)


def test_a_created_customer_is_delivered_signed_as_standard_webhooks(
    alice_client, receiver, private_urls_allowed
):
    endpoint = add_endpoint(alice_client, receiver.url, description="CRM sync")
    assert endpoint["secret"].startswith("whsec_")
    assert "secret" not in alice_client.get(f"{URL}/{endpoint['id']}").json()  # shown once
    customer = create(alice_client, firstName="Mario", email="m@example.com")

    assert Worker().run_once() == 1
    headers, body = receiver.requests[0]
    payload = verify(endpoint["secret"], headers, body)
    assert payload["type"] == "customer.created"
    assert payload["data"]["object"] == customer
    assert headers["webhook-id"] == payload["id"]
    assert alice_client.get(f"/v1/events/{payload['id']}").json() == payload
    with pytest.raises(Exception, match="signature"):
        verify("whsec_" + "A" * 43 + "=", headers, body)


def test_only_subscribed_event_types_are_delivered(alice_client, receiver, private_urls_allowed):
    add_endpoint(alice_client, receiver.url, events=["customer.deleted"])
    cid = create(alice_client, firstName="A")["id"]
    assert Worker().run_once() == 0
    alice_client.delete(f"/v1/customer/{cid}")
    assert Worker().run_once() == 1
    assert json.loads(receiver.requests[0][1])["type"] == "customer.deleted"


def test_a_failing_receiver_is_retried_with_backoff_then_succeeds(
    alice_client, receiver, private_urls_allowed
):
    endpoint = add_endpoint(alice_client, receiver.url)
    receiver.responses = [500, 503]
    create(alice_client, firstName="A")
    started = timezone.now()
    assert Worker().run_once() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    first_retry = delivery.next_attempt_at - started
    assert timedelta(seconds=3) < first_retry < timedelta(seconds=10)
    assert Worker().run_once() == 0  # not due yet

    assert Worker().run_once(now=delivery.next_attempt_at) == 1  # 503
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert Worker().run_once(now=delivery.next_attempt_at) == 1  # 200
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.SUCCEEDED,
        3,
        None,
    )
    assert len(receiver.requests) == 3
    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == 1

    body = alice_client.get(f"{URL}/{endpoint['id']}/deliveries").json()
    [row] = body["data"]
    assert row["status"] == "succeeded"
    assert [a["responseStatus"] for a in row["attempts"]] == [500, 503, 200]
    assert all(a["latencyMs"] >= 0 for a in row["attempts"])


def test_the_retry_schedule_grows_and_lasts_at_least_three_days():
    class Low:
        def uniform(self, a, b):
            return a

    class High:
        def uniform(self, a, b):
            return b

    delays = [retry_delay(n, rng=Low()) for n in range(1, MAX_ATTEMPTS)]
    assert retry_delay(1, rng=High()) <= timedelta(seconds=10)
    assert all(a < b for a, b in zip(RETRY_SCHEDULE, RETRY_SCHEDULE[1:7], strict=False))
    assert sum(delays, timedelta()) >= timedelta(days=3)
    assert retry_delay(MAX_ATTEMPTS) is None
    assert 0 < JITTER < 1


def test_after_the_last_failure_the_endpoint_is_marked_failing(
    alice_client, receiver, private_urls_allowed
):
    endpoint = add_endpoint(alice_client, receiver.url)
    receiver.responses = [500]
    create(alice_client, firstName="A")
    WebhookDelivery.objects.update(attempts=MAX_ATTEMPTS - 1)
    Worker().run_once()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    shown = alice_client.get(f"{URL}/{endpoint['id']}").json()
    assert shown["failing"] is True and shown["failingSince"]
    # Staff see it in admin's failing filter; re-enabling clears the mark.
    assert WebhookEndpoint.objects.filter(failing_since__isnull=False).count() == 1
    alice_client.patch(f"{URL}/{endpoint['id']}", {"enabled": False}, format="json")
    again = alice_client.patch(f"{URL}/{endpoint['id']}", {"enabled": True}, format="json")
    assert again.json()["failing"] is False


def test_admin_lists_failing_endpoints(
    client, django_user_model, alice_client, receiver, private_urls_allowed
):
    endpoint = add_endpoint(alice_client, receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint["id"]).update(failing_since=timezone.now())
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    page = client.get("/admin/events/webhookendpoint/?failing=yes")
    assert page.status_code == 200 and endpoint["id"] in page.content.decode()


def test_redirects_are_not_followed(alice_client, receiver, private_urls_allowed):
    add_endpoint(alice_client, receiver.url)
    receiver.responses = [("redirect", receiver.url + "/elsewhere")]
    create(alice_client, firstName="A")
    Worker().run_once()
    assert len(receiver.requests) == 1
    attempt = WebhookDelivery.objects.get().tries.get()
    assert (attempt.succeeded, attempt.response_status) == (False, 302)


def test_during_rotation_both_secrets_sign(alice_client, receiver, private_urls_allowed):
    endpoint = add_endpoint(alice_client, receiver.url)
    rotated = alice_client.post(f"{URL}/{endpoint['id']}/rotate-secret").json()
    assert rotated["secret"] != endpoint["secret"]
    create(alice_client, firstName="A")
    Worker().run_once()
    headers, body = receiver.requests[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    verify(endpoint["secret"], headers, body)
    verify(rotated["secret"], headers, body)
    # After 24 h only the new secret signs.
    WebhookEndpoint.objects.update(previous_secret_expires_at=timezone.now())
    create(alice_client, firstName="B")
    Worker().run_once()
    headers, body = receiver.requests[1]
    assert len(headers["webhook-signature"].split(" ")) == 1
    verify(rotated["secret"], headers, body)


def test_a_disabled_endpoint_gets_its_events_once_enabled_again(
    alice_client, receiver, private_urls_allowed
):
    endpoint = add_endpoint(alice_client, receiver.url)
    alice_client.patch(f"{URL}/{endpoint['id']}", {"enabled": False}, format="json")
    create(alice_client, firstName="A")
    assert Worker().run_once() == 0
    alice_client.patch(f"{URL}/{endpoint['id']}", {"enabled": True}, format="json")
    assert Worker().run_once() == 0  # disabled endpoints are not subscribed at event time
    # ... but rows already queued when it was disabled wait for it:
    create(alice_client, firstName="B")
    alice_client.patch(f"{URL}/{endpoint['id']}", {"enabled": False}, format="json")
    assert Worker().run_once() == 0
    alice_client.patch(f"{URL}/{endpoint['id']}", {"enabled": True}, format="json")
    assert Worker().run_once() == 1
    assert json.loads(receiver.requests[0][1])["data"]["object"]["firstName"] == "B"


def test_redeliver_sends_an_event_again(alice_client, receiver, private_urls_allowed):
    add_endpoint(alice_client, receiver.url)
    create(alice_client, firstName="A")
    Worker().run_once()
    event_id = receiver.requests[0][0]["webhook-id"]
    response = alice_client.post(f"/v1/events/{event_id}/redeliver")
    assert response.status_code == 202 and response.json()["deliveries"] == 1
    Worker().run_once()
    assert [h["webhook-id"] for h, _ in receiver.requests] == [event_id, event_id]


def test_endpoint_crud_and_limit(alice_client, private_urls_allowed):
    endpoint = add_endpoint(
        alice_client, "https://hooks.example.com/a", events=["customer.created"]
    )
    listed = alice_client.get(URL).json()["data"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    changed = alice_client.patch(
        f"{URL}/{endpoint['id']}", {"events": ["customer.*"], "url": "https://x.example.com/"}
    ).json()
    assert changed["events"] == ["customer.*"] and changed["url"] == "https://x.example.com/"
    assert alice_client.delete(f"{URL}/{endpoint['id']}").status_code == 204
    assert_problem(alice_client.get(f"{URL}/{endpoint['id']}"), 404, "not_found")
    for n in range(MAX_ENDPOINTS_PER_APPLICATION):
        add_endpoint(alice_client, f"https://hooks.example.com/{n}")
    over = alice_client.post(URL, {"url": "https://h.example.com/", "events": ["customer.*"]})
    assert_problem(over, 409, "webhook_endpoint_limit")


def test_endpoint_input_is_validated(alice_client):
    bad_events = alice_client.post(URL, {"url": "https://h.example.com/", "events": ["x.y"]})
    assert_problem(bad_events, 400, "validation_error")
    unknown = alice_client.post(
        URL, {"url": "https://h.example.com/", "events": ["customer.*"], "secret": "mine"}
    )
    assert_problem(unknown, 400, "validation_error")


def test_managing_endpoints_needs_the_write_scope(tenant_a, private_urls_allowed):
    _key, raw = apikey_create(tenant=tenant_a, label="ro", scopes=["read"])
    reader = make_client(tenant_a, raw)
    response = reader.post(URL, {"url": "https://h.example.com/", "events": ["customer.*"]})
    assert_problem(response, 403, "insufficient_scope")
    assert reader.get(URL).status_code == 200


def test_endpoints_and_deliveries_are_tenant_scoped(
    alice_client, bob_client, receiver, private_urls_allowed
):
    endpoint = add_endpoint(alice_client, receiver.url)
    create(bob_client, firstName="Bob's customer")
    assert Worker().run_once() == 0  # Bob's events never reach Alice's endpoint
    path = f"{URL}/{endpoint['id']}"
    assert bob_client.get(URL).json()["data"] == []
    for response in (
        bob_client.get(path),
        bob_client.patch(path, {"enabled": False}),
        bob_client.delete(path),
        bob_client.post(f"{path}/rotate-secret"),
        bob_client.get(f"{path}/deliveries"),
    ):
        assert_problem(response, 404, "not_found")
    create(alice_client, firstName="A")
    Worker().run_once()
    event_id = receiver.requests[0][0]["webhook-id"]
    assert_problem(bob_client.post(f"/v1/events/{event_id}/redeliver"), 404, "not_found")


# --- SSRF ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8170/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "ftp://hooks.example.com/",
    ],
)
def test_private_and_non_http_urls_are_refused(alice_client, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    response = alice_client.post(URL, {"url": url, "events": ["customer.*"]}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"webhook_url_refused", "validation_error"}
    assert WebhookEndpoint.objects.count() == 0


def test_a_public_address_is_accepted(alice_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    add_endpoint(alice_client, "https://93.184.216.34/hooks")


def test_delivery_refuses_a_url_that_became_private(alice_client, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    add_endpoint(alice_client, receiver.url)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False  # e.g. DNS now answers with a private address
    create(alice_client, firstName="A")
    Worker().run_once()
    assert receiver.requests == []
    attempt = WebhookDelivery.objects.get().tries.get()
    assert not attempt.succeeded and "private" in attempt.error


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_workers_never_claim_the_same_delivery(tenant_a, key_a, settings):
    """Eight workers claim at once from 40 due rows: SKIP LOCKED gives each row to one."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    endpoint = webhook_endpoint_create(
        tenant=tenant_a,
        application=key_a[0].application,
        url="http://127.0.0.1:8171/never-called",
        events=["customer.*"],
    )
    for n in range(40):
        customer_create(tenant=tenant_a, data={"first_name": f"C{n}"})
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 40
    barrier = Barrier(8)

    def claim_some(_):
        barrier.wait()
        try:
            return [row.id for row in claim(batch=10)[1]]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        claimed = [ids for ids in pool.map(claim_some, range(8))]
    flat = [row_id for ids in claimed for row_id in ids]
    assert len(flat) == len(set(flat)) == 40
