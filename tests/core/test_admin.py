"""Staff pages render and their actions use the same services as the API."""

import pytest

from customers.models import Customer
from customers.services import customer_create, customer_soft_delete

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/tenants/tenant/",
        "/admin/apikeys/apikey/",
        "/admin/apikeys/apikey/add/",
        "/admin/customers/customer/",
        "/admin/customers/customer/?deleted=yes",
        "/admin/customers/customer/?customer_type__exact=new&state__exact=inactive",
    ],
)
def test_admin_pages_render(admin_client, tenant_a, url):
    customer_create(tenant=tenant_a, data={"first_name": "Mario"})
    assert admin_client.get(url).status_code == 200


def test_admin_restore_action_restores_soft_deleted_customers(admin_client, tenant_a):
    customer = customer_create(tenant=tenant_a, data={"email": "m@example.com"})
    customer_soft_delete(customer=customer)
    response = admin_client.post(
        "/admin/customers/customer/",
        {"action": "restore_customers", "_selected_action": [str(customer.pk)]},
    )
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


def test_admin_creating_a_key_shows_it_once(admin_client, tenant_a):
    from apikeys.services import application_get_or_create_default

    application = application_get_or_create_default(tenant=tenant_a)
    response = admin_client.post(
        "/admin/apikeys/apikey/add/",
        {"application": application.pk, "kind": "cmk", "label": "from admin", "scopes": '["read"]'},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("cmk_" in m and "shown once" in m for m in messages), messages
