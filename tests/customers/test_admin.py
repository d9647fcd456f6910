"""Customer admin (Django test client): deletes are soft, refusals stay on the form, and
what cannot change is read-only."""

import pytest
from django.contrib.messages import get_messages

from customers.models import Customer
from customers.services import customer_create, customer_soft_delete

pytestmark = pytest.mark.django_db

ADMIN = "/admin/customers/customer/"


def _form(response):
    return response.context["adminform"].form


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _add_data(tenant, **fields):
    return {"tenant": tenant.pk, "customer_type": "regular", "metadata": "{}", **fields}


def _change_data(customer, **fields):
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "vat_number": customer.vat_number,
        "customer_type": customer.customer_type,
        "metadata": "{}",
    }
    return {**data, **fields}


def test_deleting_a_customer_in_admin_is_the_apis_soft_delete(admin_client, alice_client, tenant_a):
    customer = customer_create(tenant=tenant_a, data={"email": "m@example.com"})
    response = admin_client.post(f"{ADMIN}{customer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.deleted_at is not None and stored.state == "inactive"
    api = alice_client.get(f"/v1/customer/{customer.pk}?includeDeleted=true")
    assert api.status_code == 200 and api.json()["deletedAt"] is not None
    assert alice_client.get(f"/v1/customer/{customer.pk}").status_code == 404


def test_the_bulk_delete_action_soft_deletes_every_selected_customer(admin_client, tenant_a):
    customers = [customer_create(tenant=tenant_a, data={"first_name": n}) for n in "ABC"]
    already = customers[2]
    customer_soft_delete(customer=already)
    deleted_at = Customer.objects.get(pk=already.pk).deleted_at
    response = admin_client.post(
        ADMIN,
        {
            "action": "delete_selected",
            "_selected_action": [str(c.pk) for c in customers],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert Customer.objects.filter(tenant=tenant_a).count() == 3  # nothing erased
    assert Customer.objects.filter(tenant=tenant_a, deleted_at__isnull=True).count() == 0
    assert Customer.objects.get(pk=already.pk).deleted_at == deleted_at  # not deleted twice


def test_adding_a_duplicate_shows_the_error_on_the_form_and_claims_nothing(admin_client, tenant_a):
    holder = customer_create(tenant=tenant_a, data={"email": "taken@example.com"})
    response = admin_client.post(f"{ADMIN}add/", _add_data(tenant_a, email="TAKEN@example.com"))
    assert response.status_code == 200  # the form again, not a redirect to a success page
    errors = _form(response).errors
    assert "already exists" in errors["email"][0]
    assert not any("successfully" in m for m in _messages(response))
    assert list(Customer.objects.values_list("pk", flat=True)) == [holder.pk]


@pytest.mark.parametrize(
    "fields, field, text",
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"phone": "12"}, "phone", "valid phone"),
        ({"vat_number": "XX1"}, "vat_number", "VAT"),
        ({}, "__all__", "At least one of"),
    ],
)
def test_invalid_values_on_add_are_form_errors(admin_client, tenant_a, fields, field, text):
    response = admin_client.post(f"{ADMIN}add/", _add_data(tenant_a, **fields))
    assert response.status_code == 200
    assert text in " ".join(_form(response).errors[field])
    assert Customer.objects.count() == 0


def test_adding_a_customer_normalises_through_the_service(admin_client, tenant_a):
    response = admin_client.post(
        f"{ADMIN}add/", _add_data(tenant_a, first_name=" Mario ", phone="06 1234 5678")
    )
    assert response.status_code == 302, _form(response).errors
    customer = Customer.objects.get()
    assert (customer.first_name, customer.phone) == ("Mario", "+390612345678")
    assert response["Location"].endswith("/admin/customers/customer/")


def test_changing_to_a_duplicate_is_a_form_error_and_changes_nothing(admin_client, tenant_a):
    customer_create(tenant=tenant_a, data={"email": "taken@example.com"})
    customer = customer_create(tenant=tenant_a, data={"first_name": "Mario"})
    response = admin_client.post(
        f"{ADMIN}{customer.pk}/change/",
        _change_data(customer, email="taken@example.com", first_name="Luigi"),
    )
    assert response.status_code == 200
    assert "already exists" in _form(response).errors["email"][0]
    assert not any("successfully" in m for m in _messages(response))
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.first_name, stored.email, stored.version) == ("Mario", "", 1)


def test_a_valid_change_goes_through_the_service(admin_client, tenant_a):
    customer = customer_create(tenant=tenant_a, data={"first_name": "Mario"})
    response = admin_client.post(
        f"{ADMIN}{customer.pk}/change/", _change_data(customer, phone="06 1234 5678")
    )
    assert response.status_code == 302, _form(response).errors
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.phone, stored.version) == ("+390612345678", 2)


def test_tenant_and_other_fixed_fields_are_read_only(admin_client, tenant_a, tenant_b):
    customer = customer_create(tenant=tenant_a, data={"first_name": "Mario"})
    page = admin_client.get(f"{ADMIN}{customer.pk}/change/")
    fields = _form(page).fields
    assert not {"tenant", "id", "state", "version", "created_at", "deleted_at"} & set(fields)
    response = admin_client.post(
        f"{ADMIN}{customer.pk}/change/", {**_change_data(customer), "tenant": tenant_b.pk}
    )
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).tenant_id == tenant_a.pk


def test_a_soft_deleted_customer_is_read_only_until_restored(admin_client, tenant_a):
    customer = customer_create(tenant=tenant_a, data={"first_name": "Mario"})
    customer_soft_delete(customer=customer)
    page = admin_client.get(f"{ADMIN}{customer.pk}/change/")
    assert page.status_code == 200
    assert _form(page).fields == {}
    admin_client.post(f"{ADMIN}{customer.pk}/change/", _change_data(customer, first_name="X"))
    assert Customer.objects.get(pk=customer.pk).first_name == "Mario"
