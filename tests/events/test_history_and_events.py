"""History and the events feed: one entry and one event per change, in the change's
transaction, tenant-scoped, and readable at once."""

import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction

from apikeys.models import ApiKey
from apikeys.services import apikey_revoke, application_change_plan, application_suspend
from customers import services
from customers.models import Customer
from customers.selectors import customer_active_count
from events.models import AuditEntry, Event, WebhookDelivery
from events.services import webhook_endpoint_create
from plans.models import Plan
from plans.services import plan_touch
from tenants.services import tenant_set_active
from tests.api.test_v1_customers import assert_problem, create

pytestmark = pytest.mark.django_db


def history(client, customer_id, **params):
    response = client.get(f"/v1/customer/{customer_id}/history", params)
    assert response.status_code == 200, response.content
    return response.json()


def feed(client, **params):
    response = client.get("/v1/events", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_every_customer_action_is_in_its_history_newest_first(alice_client, key_a):
    customer = create(alice_client, firstName="Mario", email="mario@example.com")
    cid = customer["id"]
    assert alice_client.patch(f"/v1/customer/{cid}", {"lastName": "Rossi"}).status_code == 200
    assert alice_client.delete(f"/v1/customer/{cid}").status_code == 204
    assert alice_client.post(f"/v1/customer/{cid}/restore").status_code == 200

    body = history(alice_client, cid)
    assert [entry["action"] for entry in body["data"]] == [
        "restored",
        "deleted",
        "updated",
        "created",
    ]
    restored, deleted, updated, created = body["data"]
    assert updated["changes"] == {"lastName": ["", "Rossi"]}
    assert created["changes"]["email"] == [None, "mario@example.com"]
    assert deleted["changes"]["state"] == ["active", "inactive"]
    assert restored["changes"]["state"] == ["inactive", "active"]
    actor = updated["actor"]
    assert actor["type"] == "api_key"
    assert actor["keyPrefix"] == key_a[0].prefix
    assert key_a[1] not in str(body)  # never the secret
    assert updated["requestId"]
    assert body["nextCursor"] is None


def test_history_request_id_is_the_requests(alice_client):
    response = alice_client.post(
        "/v1/customer", {"firstName": "Ada"}, HTTP_X_REQUEST_ID="trace-123", format="json"
    )
    body = history(alice_client, response.json()["id"])
    assert body["data"][0]["requestId"] == "trace-123"


def test_history_pages_by_cursor_and_works_for_deleted_customers(alice_client):
    cid = create(alice_client, firstName="A")["id"]
    for n in range(4):
        alice_client.patch(f"/v1/customer/{cid}", {"lastName": f"L{n}"})
    alice_client.delete(f"/v1/customer/{cid}")
    first = history(alice_client, cid, limit=4)
    assert len(first["data"]) == 4 and first["nextCursor"]
    rest = history(alice_client, cid, limit=4, cursor=first["nextCursor"])
    assert [e["action"] for e in rest["data"]] == ["updated", "created"]
    assert rest["nextCursor"] is None


def test_a_change_that_changes_nothing_records_nothing(alice_client):
    cid = create(alice_client, firstName="A")["id"]
    alice_client.patch(f"/v1/customer/{cid}", {"firstName": "A"})
    alice_client.delete(f"/v1/customer/{cid}")
    alice_client.delete(f"/v1/customer/{cid}")
    assert [e["action"] for e in history(alice_client, cid)["data"]] == ["deleted", "created"]


def test_changes_outside_a_request_name_the_process_as_actor(tenant_a):
    customer = services.customer_create(tenant=tenant_a, data={"first_name": "X"})
    entry = AuditEntry.objects.get(subject_id=str(customer.pk))
    assert entry.actor["type"] in {"command", "system"}


def test_staff_edit_in_admin_is_recorded_with_the_staff_user(client, tenant_a, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    customer = services.customer_create(tenant=tenant_a, data={"first_name": "X"})
    response = client.post(
        f"/admin/customers/customer/{customer.pk}/change/",
        {
            "tenant": tenant_a.pk,
            "first_name": "Y",
            "last_name": "",
            "email": "",
            "phone": "",
            "vat_number": "",
            "customer_type": "regular",
            "metadata": "{}",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    entry = AuditEntry.objects.filter(subject_id=str(customer.pk), action="updated").get()
    assert entry.actor == {"type": "staff", "id": admin.pk, "username": "root"}
    assert entry.changes == {"firstName": ["X", "Y"]}


def test_history_of_another_tenants_customer_is_not_found(alice_client, bob_client):
    cid = create(alice_client, firstName="A")["id"]
    assert_problem(bob_client.get(f"/v1/customer/{cid}/history"), 404, "not_found")


def test_the_feed_has_every_change_oldest_first_with_the_rendered_customer(alice_client):
    customer = create(alice_client, firstName="Mario", email="m@example.com")
    cid = customer["id"]
    updated = alice_client.patch(f"/v1/customer/{cid}", {"firstName": "Luigi"}).json()
    alice_client.delete(f"/v1/customer/{cid}")
    alice_client.post(f"/v1/customer/{cid}/restore")

    body = feed(alice_client)
    assert [e["type"] for e in body["data"]] == [
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "customer.restored",
    ]
    created, update = body["data"][:2]
    assert created["id"].startswith("evt_")
    assert created["data"] == {"object": customer}
    assert update["data"]["object"] == updated
    assert update["data"]["previousAttributes"] == {"firstName": "Mario"}
    assert body["nextCursor"] is None


def test_the_feed_filters_by_type_wildcard_and_created_after_and_pages(alice_client):
    a = create(alice_client, firstName="A")["id"]
    create(alice_client, firstName="B")
    alice_client.delete(f"/v1/customer/{a}")
    only_deleted = feed(alice_client, type="customer.deleted")["data"]
    assert [e["type"] for e in only_deleted] == ["customer.deleted"]
    both = alice_client.get("/v1/events?type=customer.deleted&type=customer.created").json()
    assert len(both["data"]) == 3
    assert len(feed(alice_client, type="customer.*")["data"]) == 3
    first = feed(alice_client, limit=2)
    assert len(first["data"]) == 2 and first["nextCursor"]
    rest = feed(alice_client, limit=2, cursor=first["nextCursor"])
    assert [e["type"] for e in rest["data"]] == ["customer.deleted"]
    after = feed(alice_client, createdAfter=first["data"][0]["createdAt"])["data"]
    assert first["data"][0]["id"] not in [e["id"] for e in after]


def test_the_feed_refuses_an_unknown_type(alice_client):
    assert_problem(alice_client.get("/v1/events?type=invoice.paid"), 400, "validation_error")


def test_the_feed_is_tenant_scoped(alice_client, bob_client):
    cid = create(alice_client, firstName="A")["id"]
    create(bob_client, firstName="B")
    assert [e["data"]["object"]["id"] for e in feed(alice_client)["data"]] == [cid]
    event_id = feed(alice_client)["data"][0]["id"]
    assert_problem(bob_client.get(f"/v1/events/{event_id}"), 404, "not_found")
    assert alice_client.get(f"/v1/events/{event_id}").json()["id"] == event_id


def test_a_rolled_back_write_leaves_no_event_and_no_history(tenant_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.customer_create(tenant=tenant_a, data={"first_name": "Ghost"})
        assert Event.objects.count() == 1  # written with the change...
        raise RuntimeError("the caller's transaction fails")
    assert Customer.objects.count() == 0  # ...and gone with it
    assert Event.objects.count() == 0
    assert not AuditEntry.objects.filter(subject_type="customer").exists()


def test_a_refused_write_leaves_no_event(alice_client):
    create(alice_client, email="taken@example.com")
    other = create(alice_client, email="free@example.com")["id"]
    before = Event.objects.count()
    response = alice_client.patch(f"/v1/customer/{other}", {"email": "TAKEN@example.com"})
    assert response.status_code == 409
    assert Event.objects.count() == before


def test_a_write_refused_by_if_match_leaves_no_event_and_no_history(alice_client):
    cid = create(alice_client, firstName="A")["id"]
    stale = alice_client.get(f"/v1/customer/{cid}")["ETag"]
    alice_client.patch(f"/v1/customer/{cid}", {"firstName": "B"})
    before = Event.objects.count()
    for response in (
        alice_client.patch(f"/v1/customer/{cid}", {"firstName": "C"}, HTTP_IF_MATCH=stale),
        alice_client.delete(f"/v1/customer/{cid}", HTTP_IF_MATCH=stale),
    ):
        assert_problem(response, 412, "precondition_failed")
    assert Event.objects.count() == before
    assert [e["action"] for e in history(alice_client, cid)["data"]] == ["updated", "created"]


def _refuse_inserts_sql(table: str) -> tuple[list[str], list[str]]:
    """SQL that makes the database refuse every INSERT into `table`, and SQL that undoes it."""
    if connection.vendor == "postgresql":
        return [
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'store down'; END $$",
            f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse()",
        ], [f"DROP TRIGGER test_refuse ON {table}", "DROP FUNCTION test_refuse()"]
    return [
        f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'store down'); END"
    ], ["DROP TRIGGER test_refuse"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("table", ["events_auditentry", "events_event", "events_webhookdelivery"])
def test_if_recording_fails_the_create_is_not_committed(tenant_a, key_a, table):
    """The database refuses one of the record's rows: the create outside any transaction of
    the caller's writes nothing at all (on PostgreSQL it is one statement)."""
    webhook_endpoint_create(
        tenant=tenant_a,
        application=key_a[0].application,
        url="https://example.com/h",
        events=["customer.*"],
    )
    install, uninstall = _refuse_inserts_sql(table)
    with connection.cursor() as cursor:
        for sql in install:
            cursor.execute(sql)
    try:
        with pytest.raises(DatabaseError):
            services.customer_create(tenant=tenant_a, data={"first_name": "Lost"})
    finally:
        with connection.cursor() as cursor:
            for sql in uninstall:
                cursor.execute(sql)
    assert Customer.objects.count() == 0
    assert customer_active_count(tenant=tenant_a) == 0
    assert not Event.objects.exists()
    assert not AuditEntry.objects.filter(subject_type="customer").exists()
    assert not WebhookDelivery.objects.exists()


def test_if_recording_fails_an_update_is_not_committed(tenant_a, monkeypatch):
    customer = services.customer_create(tenant=tenant_a, data={"first_name": "Kept"})

    def boom(**kwargs):
        raise RuntimeError("event store down")

    monkeypatch.setattr("customers.changes.customer_change_record", boom)
    with pytest.raises(RuntimeError):
        services.customer_update(customer=customer, data={"first_name": "Lost"})
    customer.refresh_from_db()
    assert customer.first_name == "Kept"


def test_new_routes_are_plan_gated(alice_client, key_a):
    plan = key_a[0].application.plan
    plan.methods = [m for m in plan.methods if m != "events.read"]
    plan.save()
    cache.clear()
    assert_problem(alice_client.get("/v1/events"), 403, "plan_method_not_allowed")


def test_the_migration_grants_the_new_methods_to_existing_plans(key_a):
    plan = key_a[0].application.plan
    plan.methods = ["customer.read"]
    plan.save()
    migration = importlib.import_module("plans.migrations.0005_events_methods")
    migration.grant_new_methods(apps, None)
    plan.refresh_from_db()
    assert plan.methods == ["customer.read", *migration.NEW_METHODS]


def test_admin_shows_a_customers_history_and_the_audit_list(client, tenant_a, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    customer = services.customer_create(tenant=tenant_a, data={"first_name": "Hist"})
    services.customer_update(customer=customer, data={"first_name": "Story"})
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert "updated" in page and "Hist" in page  # the old name survives only in history
    audit = client.get(f"/admin/events/auditentry/?q={customer.pk}&action__exact=updated")
    assert audit.status_code == 200 and str(customer.pk) in audit.content.decode()


def test_key_application_tenant_and_plan_changes_are_recorded_without_secrets(
    alice_client, tenant_a, key_a
):
    key, raw = key_a
    created = alice_client.post("/v1/keys", {"label": "ci"}, format="json").json()
    created["prefix"] = ApiKey.objects.get(public_id=created["id"]).prefix
    apikey_revoke(key=key)
    application = key.application
    application_change_plan(application=application, plan=Plan.objects.get(slug="silver"))
    application_suspend(application=application)
    plan_touch(plan_id=application.plan_id)
    tenant_set_active(tenant=tenant_a, is_active=False)

    def actions(subject_type, subject_id):
        return list(
            AuditEntry.objects.filter(subject_type=subject_type, subject_id=subject_id)
            .order_by("id")
            .values_list("action", flat=True)
        )

    assert actions("tenant", tenant_a.public_id) == ["created", "deactivated"]
    assert actions("application", application.app_id) == [
        "created",
        "plan_changed",
        "state_changed",
    ]
    assert actions("apikey", key.prefix) == ["created", "revoked"]
    assert actions("apikey", created["prefix"]) == ["created"]
    assert actions("plan", str(application.plan_id)) == ["changed"]
    by_api = AuditEntry.objects.get(subject_type="apikey", subject_id=created["prefix"])
    assert by_api.actor == {
        "type": "api_key",
        "application": application.app_id,
        "keyPrefix": key.prefix,
    }
    everything = str(list(AuditEntry.objects.values()))
    assert raw not in everything and created["key"] not in everything
    assert key.key_hash not in everything
