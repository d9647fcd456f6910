"""The portal's webhooks pages: endpoints, their deliveries with attempts, and redeliver
(owners only); another tenant's endpoint or event is a 404."""

import pytest
from django.urls import reverse

from customers.services import customer_create
from events.models import WebhookDelivery
from events.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint_a(tenant_a, key_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    endpoint, _secret = _create(tenant_a, key_a[0].application)
    customer_create(tenant=tenant_a, data={"first_name": "Ada"})  # one event, one delivery
    return endpoint


def _create(tenant, application):
    result = webhook_endpoint_create(
        tenant=tenant,
        application=application,
        url="http://127.0.0.1:9/hooks",
        events=["customer.*"],
        description="CRM sync",
    )
    return result if isinstance(result, tuple) else (result, None)


def test_members_see_endpoints_and_their_deliveries(member_a_client, endpoint_a):
    page = member_a_client.get(reverse("portal:webhooks")).content.decode()
    assert "http://127.0.0.1:9/hooks" in page and "CRM sync" in page
    url = reverse("portal:webhook_deliveries", args=[endpoint_a.id])
    page = member_a_client.get(url).content.decode()
    assert "customer.created" in page
    assert "Redeliver" not in page  # owners only


def test_an_owner_redelivers_an_event(owner_a_client, endpoint_a):
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    url = reverse("portal:event_redeliver", args=[delivery.event_id])
    response = owner_a_client.post(url, {"endpoint": endpoint_a.id})
    assert response.status_code == 302
    assert WebhookDelivery.objects.filter(endpoint=endpoint_a).count() == 2


def test_a_member_cannot_redeliver(member_a_client, endpoint_a):
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    url = reverse("portal:event_redeliver", args=[delivery.event_id])
    assert member_a_client.post(url).status_code == 403
    assert WebhookDelivery.objects.filter(endpoint=endpoint_a).count() == 1


def test_another_tenants_endpoint_and_event_are_not_found(owner_b_client, endpoint_a):
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    deliveries = reverse("portal:webhook_deliveries", args=[endpoint_a.id])
    assert owner_b_client.get(deliveries).status_code == 404
    redeliver = reverse("portal:event_redeliver", args=[delivery.event_id])
    assert owner_b_client.post(redeliver).status_code == 404
    assert WebhookDelivery.objects.filter(endpoint=endpoint_a).count() == 1
    assert (
        "http://127.0.0.1:9/hooks"
        not in owner_b_client.get(reverse("portal:webhooks")).content.decode()
    )
