"""customer_get_or_404: the one lookup every customer route family uses for "not found"."""

import pytest

from customers.exceptions import CustomerNotFound
from customers.selectors import customer_get_or_404
from customers.services import customer_soft_delete
from tests.api.helpers import make_customer


@pytest.fixture
def mario(tenant_a):
    return make_customer(
        tenant_a, first_name="Mario", email="Mario@Example.com", phone="+39061234567"
    )


@pytest.mark.parametrize(
    "lookup",
    [
        lambda c: {"customer_id": c.pk},
        lambda c: {"customer_id": str(c.pk)},
        lambda c: {"email": "mario@example.com"},
        lambda c: {"phone": "06 1234567"},
    ],
)
def test_finds_the_tenants_customer_by_id_email_or_phone(tenant_a, mario, lookup):
    assert customer_get_or_404(tenant=tenant_a, **lookup(mario)) == mario


@pytest.mark.parametrize(
    "lookup",
    [
        lambda c: {"customer_id": c.pk},
        lambda c: {"email": "mario@example.com"},
        lambda c: {"phone": "+39061234567"},
    ],
)
def test_another_tenants_customer_is_not_found(tenant_b, mario, lookup):
    with pytest.raises(CustomerNotFound):
        customer_get_or_404(tenant=tenant_b, **lookup(mario))


@pytest.mark.parametrize("customer_id", ["not-a-uuid", "", "00000000-0000-0000-0000-000000000000"])
def test_a_made_up_id_is_not_found(tenant_a, customer_id):
    with pytest.raises(CustomerNotFound):
        customer_get_or_404(tenant=tenant_a, customer_id=customer_id)


def test_a_deleted_customer_is_found_only_when_asked(tenant_a, mario):
    customer_soft_delete(customer=mario)
    with pytest.raises(CustomerNotFound):
        customer_get_or_404(tenant=tenant_a, customer_id=mario.pk)
    assert customer_get_or_404(tenant=tenant_a, customer_id=mario.pk, include_deleted=True) == mario


@pytest.mark.parametrize("lookup", [{}, {"email": "a@example.com", "phone": "+39061234567"}])
def test_exactly_one_lookup_is_required(tenant_a, lookup):
    with pytest.raises(TypeError):
        customer_get_or_404(tenant=tenant_a, **lookup)


def test_duplicates_of_many_pairs_are_those_found_one_by_one(tenant_a, tenant_b, mario):
    """customer_find_active_duplicates (the import's batch) answers each (email, phone) as
    customer_find_active_duplicate does: email first, case-insensitive, active ones only,
    this tenant only."""
    from customers.selectors import (
        customer_find_active_duplicate,
        customer_find_active_duplicates,
    )

    anna = make_customer(tenant_a, email="anna@example.com", phone="+39061111111")
    gone = make_customer(tenant_a, email="gone@example.com", phone="+39062222222")
    customer_soft_delete(customer=gone)
    make_customer(tenant_b, email="bob@example.com", phone="+39063333333")
    pairs = [
        ("MARIO@example.COM", ""),
        ("", "+39061234567"),
        ("anna@example.com", "+39061234567"),  # email wins over phone
        ("nobody@example.com", "+39061111111"),
        ("gone@example.com", "+39062222222"),
        ("bob@example.com", "+39063333333"),
        ("", ""),
        ("mario@example.com", ""),  # the same email twice
    ]
    found = customer_find_active_duplicates(tenant=tenant_a, pairs=pairs)
    expected = [
        customer_find_active_duplicate(tenant=tenant_a, email=email, phone=phone)
        for email, phone in pairs
    ]
    assert found == expected
    assert [f and (f[0], f[1].pk) for f in found] == [
        ("email", mario.pk),
        ("phone", mario.pk),
        ("email", anna.pk),
        ("phone", anna.pk),
        None,
        None,
        None,
        ("email", mario.pk),
    ]
    assert customer_find_active_duplicates(tenant=tenant_a, pairs=[]) == []
