"""customers_tenantcounter: the active-customer count the database triggers keep, compared
with a real COUNT after every kind of write (services, queryset updates, bulk, deletes)."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from customers import counting
from customers.models import Customer, TenantCounter
from customers.selectors import customer_active_count
from customers.services import (
    customer_create,
    customer_restore,
    customer_soft_delete,
    customer_update,
)
from tenants.models import Tenant


def _assert_exact(*tenants):
    for tenant in tenants:
        actual = Customer.objects.filter(tenant=tenant, deleted_at__isnull=True).count()
        assert customer_active_count(tenant=tenant) == actual, tenant


@pytest.mark.django_db
def test_every_kind_of_write_keeps_the_count_exact(tenant_a, tenant_b):
    assert customer_active_count(tenant=tenant_a) == 0
    ada = customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    bob = customer_create(tenant=tenant_a, data={"first_name": "Bob"})
    customer_create(tenant=tenant_b, data={"first_name": "Cy"})
    _assert_exact(tenant_a, tenant_b)
    assert customer_active_count(tenant=tenant_a) == 2

    customer_update(customer=ada, data={"last_name": "Lovelace"})
    customer_soft_delete(customer=bob)
    _assert_exact(tenant_a, tenant_b)
    customer_restore(customer=bob)
    _assert_exact(tenant_a, tenant_b)

    Customer.objects.bulk_create(
        [Customer(tenant=tenant_a, first_name=f"B{i}") for i in range(5)]
        + [Customer(tenant=tenant_a, first_name="Gone", deleted_at=timezone.now())]
        + [Customer(tenant=tenant_b, first_name=f"C{i}") for i in range(3)]
    )
    _assert_exact(tenant_a, tenant_b)
    Customer.objects.filter(tenant=tenant_a, first_name__startswith="B").update(
        deleted_at=timezone.now()
    )
    _assert_exact(tenant_a, tenant_b)
    Customer.objects.filter(tenant=tenant_a, first_name="Gone").delete()  # already inactive
    Customer.objects.filter(tenant=tenant_b, first_name="C1").delete()
    _assert_exact(tenant_a, tenant_b)
    Customer.objects.filter(tenant=tenant_a).update(deleted_at=None)  # everyone back
    _assert_exact(tenant_a, tenant_b)
    assert customer_active_count(tenant=tenant_a) == 7  # Ada, Bob and B0-B4


@pytest.mark.django_db
def test_deleting_a_tenant_takes_its_counter_with_it(tenant_a, tenant_b):
    customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    customer_create(tenant=tenant_b, data={"first_name": "Bob"})
    Tenant.objects.filter(pk=tenant_a.pk).delete()
    assert not TenantCounter.objects.filter(tenant_id=tenant_a.pk).exists()
    _assert_exact(tenant_b)


@pytest.mark.django_db
def test_paged_total_is_the_counter(alice_client, tenant_a):
    customers = [customer_create(tenant=tenant_a, data={"first_name": f"A{i}"}) for i in range(4)]
    customer_soft_delete(customer=customers[0])
    assert alice_client.get("/v1/customer/paged").json()["total"] == 3
    assert alice_client.get("/v1/customer/paged", {"includeDeleted": "true"}).json()["total"] == 4


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_and_deletes_are_all_counted(tenant_a):
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                customer = customer_create(tenant=tenant_a, data={"first_name": f"T{n}-{i}"})
                if i % 2:
                    customer_soft_delete(customer=customer)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert customer_active_count(tenant=tenant_a) == 6 * 3
    _assert_exact(tenant_a)


@pytest.mark.django_db
def test_sqlite_puts_back_triggers_a_table_rebuild_dropped(tenant_a):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL keeps triggers when a table is altered")
    customer_create(tenant=tenant_a, data={"first_name": "Ada"})
    counting.uninstall(connection)
    Customer.objects.create(tenant=tenant_a, first_name="Uncounted")
    assert counting.installed(connection) == set()
    assert counting.reinstall_if_dropped(connection) is True
    assert counting.installed(connection) == set(counting.TRIGGERS)
    _assert_exact(tenant_a)  # recounted
    customer_create(tenant=tenant_a, data={"first_name": "Counted"})
    assert customer_active_count(tenant=tenant_a) == 3
    assert counting.reinstall_if_dropped(connection) is False
