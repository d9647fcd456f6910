"""import_customers / export_customers: the API's validation row by row, bad rows reported,
duplicates skipped, updated or fatal, resumable without duplicates; export streams and
imports back unchanged."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from customers.exceptions import MSG_EMAIL_INVALID, MSG_IDENTITY_REQUIRED
from customers.models import Customer
from customers.services import customer_create

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER = "firstName,lastName,email,phone,vatNumber,customerType,metadata\n"


def _write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _import(path, tenant, *extra, **options):
    out = io.StringIO()
    call_command(
        "import_customers",
        str(path),
        "--tenant",
        tenant.public_id,
        *extra,
        stdout=out,
        stderr=io.StringIO(),
        **options,
    )
    return out.getvalue()


def _report(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_csv_rows_are_validated_as_the_api_does_and_bad_rows_reported(tmp_path, tenant_a):
    existing = customer_create(tenant=tenant_a, data={"email": "taken@example.com"})
    path = _write(
        tmp_path,
        HEADER
        + 'Ada,Lovelace,ada@example.com,06 1234 5678,IT12345678901,regular,"{""crm"": ""A1""}"\n'
        + ",,not-an-email,,,,\n"
        + ",,TAKEN@example.com,,,,\n"
        + ",,ADA@example.com,,,,\n"
        + ",,,,,,\n"  # an empty line is skipped, not a row
        + "Solo,,,,,vip,\n"
        + ",,,,XX1,,\n"
        + "Grace,Hopper,,+39 06 1234 5679,,,{bad json\n",
    )
    report = tmp_path / "rejected.csv"
    out = _import(path, tenant_a, "--report", str(report), "--progress", "none")
    assert "created=1 updated=0 skipped=2 rejected=4" in out
    ada = Customer.objects.get(tenant=tenant_a, email="ada@example.com")
    assert (ada.phone, ada.vat_number, ada.metadata) == (
        "+390612345678",
        "IT12345678901",
        {"crm": "A1"},
    )
    rows = _report(report)
    assert rows[0] == ["row", "reason"]
    reasons = {int(line): reason for line, reason in rows[1:]}
    assert set(reasons) == {3, 7, 8, 9}
    assert reasons[3] == f"email: {MSG_EMAIL_INVALID}"
    assert reasons[7].startswith("customerType:")
    assert reasons[8].startswith("vatNumber:")
    assert "metadata is not valid JSON" in reasons[9]
    assert Customer.objects.filter(tenant=tenant_a).count() == 2  # existing + Ada
    assert Customer.objects.get(pk=existing.pk).email == "taken@example.com"


def test_a_row_with_no_identity_field_is_rejected(tmp_path, tenant_a):
    path = _write(tmp_path, '{"customerType": "new"}\n', name="in.jsonl")
    report = tmp_path / "r.csv"
    out = _import(path, tenant_a, "--report", str(report))
    assert "rejected=1" in out
    assert _report(report)[1] == ["1", MSG_IDENTITY_REQUIRED]


def test_on_duplicate_update_changes_the_existing_customer(tmp_path, tenant_a):
    holder = customer_create(tenant=tenant_a, data={"email": "a@example.com", "last_name": "Old"})
    path = _write(tmp_path, '{"email": "A@example.com", "lastName": "New"}\n', name="in.jsonl")
    out = _import(path, tenant_a, "--on-duplicate", "update")
    assert "created=0 updated=1 skipped=0 rejected=0" in out
    holder.refresh_from_db()
    assert holder.last_name == "New" and Customer.objects.filter(tenant=tenant_a).count() == 1


def test_imported_customers_have_the_history_and_events_a_single_create_writes(tmp_path, tenant_a):
    from customers.serializers import render_customer
    from events.models import AuditEntry, Event

    path = _write(tmp_path, '{"lastName": "One"}\n{"email": "two@example.com"}\n', name="in.jsonl")
    assert "created=2" in _import(path, tenant_a)
    customers = {str(c.pk): c for c in Customer.objects.filter(tenant=tenant_a)}
    events = Event.objects.filter(tenant=tenant_a)
    assert sorted(str(e.customer_id) for e in events) == sorted(customers)
    for event in events:
        assert event.type == "customer.created"
        assert event.data["object"] == dict(render_customer(customers[str(event.customer_id)]))
    history = AuditEntry.objects.filter(tenant=tenant_a, subject_type="customer")
    assert sorted(h.subject_id for h in history) == sorted(customers)
    assert {h.action for h in history} == {"created"}


def _recorded(tenant):
    """History, events and outbox rows of the tenant's customers, without ids and times."""
    from events.models import AuditEntry, Event, WebhookDelivery

    history = sorted(
        (h.subject_id, h.action, json.dumps(h.changes, sort_keys=True), str(h.actor), h.request_id)
        for h in AuditEntry.objects.filter(tenant=tenant, subject_type="customer")
    )
    events = sorted(
        (str(e.customer_id), e.type, json.dumps(e.data, sort_keys=True))
        for e in Event.objects.filter(tenant=tenant)
    )
    outbox = sorted(
        (d.endpoint_id, str(d.event.customer_id), d.status, d.attempts, d.lease)
        + (d.next_attempt_at is not None,)
        for d in WebhookDelivery.objects.filter(event__tenant=tenant).select_related("event")
    )
    return history, events, outbox


def test_imported_history_events_and_outbox_are_those_a_single_create_writes(
    tmp_path, tenant_a, key_a, settings
):
    """Row for row the same content as customer_change_record("created") gives each
    imported customer as the API renders it: history, the event, and one outbox row per
    enabled endpoint subscribed to customer.created."""
    from customers.changes import render
    from events.models import AuditEntry, Event
    from events.services import customer_change_record, webhook_endpoint_create

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    application = key_a[0].application
    for events, enabled in (
        (["customer.*"], True),
        (["customer.created"], True),
        (["customer.deleted"], True),
        (["customer.*"], False),
    ):
        endpoint = webhook_endpoint_create(
            tenant=tenant_a, application=application, url="http://127.0.0.1:9/", events=events
        )
        endpoint.enabled = enabled
        endpoint.save()
    path = _write(
        tmp_path,
        HEADER
        + 'Ada,Lovelace,Ada@Example.com,06 1234 5678,IT12345678901,regular,"{""zz"": 2.5, ""a"": true, ""crm"": ""A1""}"\n'
        + "Grace,,,+39 06 1234 5679,,,\n"
        + ",Solo,,,,,\n"
        + ",,not-an-email,,,,\n",
    )
    assert "created=3 updated=0 skipped=0 rejected=1" in _import(path, tenant_a)
    imported = _recorded(tenant_a)
    assert len(imported[0]) == len(imported[1]) == 3 and len(imported[2]) == 6

    AuditEntry.objects.filter(tenant=tenant_a, subject_type="customer").delete()
    Event.objects.filter(tenant=tenant_a).delete()  # and their outbox rows
    for customer in Customer.objects.filter(tenant=tenant_a):
        customer_change_record(
            tenant_id=tenant_a.pk, action="created", before=None, after=render(customer)
        )
    assert _recorded(tenant_a) == imported


def test_on_duplicate_fail_stops_and_writes_nothing_of_that_chunk(tmp_path, tenant_a):
    customer_create(tenant=tenant_a, data={"email": "a@example.com"})
    path = _write(tmp_path, '{"lastName": "First"}\n{"email": "a@example.com"}\n', name="in.jsonl")
    with pytest.raises(CommandError, match="row 2: Duplicate of customer"):
        _import(path, tenant_a, "--on-duplicate", "fail")
    assert not Customer.objects.filter(tenant=tenant_a, last_name="First").exists()


def test_unknown_columns_import_nothing(tmp_path, tenant_a):
    path = _write(tmp_path, "email,password\nx@example.com,secret\n")
    with pytest.raises(CommandError, match="Unknown columns: password"):
        _import(path, tenant_a)
    assert not Customer.objects.filter(tenant=tenant_a).exists()


def test_an_unknown_tenant_is_an_error(tmp_path):
    path = _write(tmp_path, HEADER)
    with pytest.raises(CommandError, match="Unknown tenant"):
        call_command("import_customers", str(path), "--tenant", "tn_nope")


def test_importing_twice_creates_no_duplicates_even_without_email_or_phone(tmp_path, tenant_a):
    lines = "".join(f'{{"firstName": "N{i}"}}\n' for i in range(5)) + '{"firstName": "N0"}\n'
    path = _write(tmp_path, lines, name="in.jsonl")
    assert "created=5 updated=0 skipped=1" in _import(path, tenant_a)
    assert "created=0 updated=0 skipped=6" in _import(path, tenant_a)
    assert Customer.objects.filter(tenant=tenant_a).count() == 5


def test_an_interrupted_import_resumes_from_its_checkpoint(tmp_path, tenant_a, monkeypatch):
    from customers import importer

    path = _write(
        tmp_path, "".join(f'{{"email": "u{i}@example.com"}}\n' for i in range(10)), "in.jsonl"
    )
    real, calls = importer.Importer.write_chunk, []

    def dies_on_the_third_chunk(self, validated):
        calls.append(validated.last_line)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, validated)

    monkeypatch.setattr(importer.Importer, "write_chunk", dies_on_the_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        _import(path, tenant_a, "--chunk-size", "3", "--workers", "1")
    assert Customer.objects.filter(tenant=tenant_a).count() == 6
    state = json.loads((tmp_path / "in.jsonl.checkpoint.json").read_text())
    assert state["last_line"] == 6
    monkeypatch.setattr(importer.Importer, "write_chunk", real)
    out = _import(path, tenant_a, "--chunk-size", "3", "--workers", "1")
    assert "Resuming after line 6" in out and "created=10" in out
    assert Customer.objects.filter(tenant=tenant_a).count() == 10
    assert not (tmp_path / "in.jsonl.checkpoint.json").exists()


def test_worker_processes_give_the_same_result(tmp_path, tenant_a):
    rows = "".join(f'{{"email": "w{i % 40}@example.com"}}\n' for i in range(50))
    path = _write(tmp_path, rows + '{"email": "bad"}\n', "in.jsonl")
    out = _import(path, tenant_a, "--chunk-size", "7", "--workers", "2", "--progress", "lines")
    assert "created=40 updated=0 skipped=10 rejected=1" in out
    assert Customer.objects.filter(tenant=tenant_a).count() == 40


def test_progress_lines_when_not_a_terminal(tmp_path, tenant_a, monkeypatch):
    from customers.management.commands import import_customers

    monkeypatch.setattr(import_customers, "PROGRESS_EVERY_SECONDS", 0)
    path = _write(tmp_path, "".join(f'{{"lastName": "P{i}"}}\n' for i in range(4)), "in.jsonl")
    out = _import(path, tenant_a, "--chunk-size", "2", "--workers", "1")
    assert "progress: 2 rows" in out and "progress: 4 rows" in out


def test_export_streams_the_api_shape_and_imports_back_unchanged(tmp_path, tenant_a, tenant_b):
    customer_create(
        tenant=tenant_a,
        data={"first_name": "Ada", "email": "ada@example.com", "metadata": {"k": "v"}},
    )
    customer_create(tenant=tenant_a, data={"phone": "06 1234 5678"})
    customer_create(tenant=tenant_b, data={"email": "bob@example.com"})
    out = tmp_path / "out.csv"
    call_command("export_customers", "--tenant", tenant_a.public_id, "-o", str(out))
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["email"] for r in rows] == ["ada@example.com", ""]
    assert rows[0]["metadata"] == '{"k":"v"}' and rows[0]["firstName"] == "Ada"
    assert rows[1]["phone"] == "+390612345678" and rows[1]["state"] == "active"

    jsonl = io.StringIO()
    call_command(
        "export_customers", "--tenant", tenant_a.public_id, "--format", "jsonl", stdout=jsonl
    )
    first = json.loads(jsonl.getvalue().splitlines()[0])
    assert first["metadata"] == {"k": "v"} and set(first) >= {"id", "createdAt", "deletedAt"}

    assert "created=2 updated=0 skipped=0 rejected=0" in _import(out, tenant_b)
    assert "created=0 updated=0 skipped=2 rejected=0" in _import(out, tenant_a)
