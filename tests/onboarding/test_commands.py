"""Staff provisioning from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apikeys.models import ApiKey
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_tenant_json_prints_credentials_that_work(client, db):
    last = run("create_tenant", "Rossi SRL", "--region", "IT", "--json").strip().splitlines()[-1]
    creds = json.loads(last)
    assert set(creds) == {"tenant_id", "api_key"}
    response = client.get(
        "/v1/customer/paged",
        HTTP_AUTHORIZATION=f"Bearer {creds['api_key']}",
        HTTP_X_BUSINESS_TENANT_ID=creds["tenant_id"],
    )
    assert response.status_code == 200


def test_create_tenant_puts_the_application_on_the_named_plan(db):
    creds = json.loads(
        run("create_tenant", "Bronze Co", "--plan", "bronze", "--json").splitlines()[-1]
    )
    tenant = Tenant.objects.get(public_id=creds["tenant_id"])
    assert tenant.applications.get().plan.slug == "bronze"
    assert ApiKey.objects.filter(application__tenant=tenant).count() == 1


def test_create_tenant_refuses_unknown_plan_and_region(db):
    with pytest.raises(CommandError):
        run("create_tenant", "X", "--plan", "diamond")
    with pytest.raises(CommandError):
        run("create_tenant", "X", "--region", "ZZ")
    assert not Tenant.objects.exists()


def test_demo_command_reuses_working_credentials(tmp_path, db):
    path = tmp_path / "demo.json"
    first = run("demo", "--credentials-file", str(path))
    creds = json.loads(path.read_text())
    second = run("demo", "--credentials-file", str(path))
    assert creds["api_key"] in first and creds["api_key"] in second
    assert "curl" in second
    assert Tenant.objects.count() == 1
