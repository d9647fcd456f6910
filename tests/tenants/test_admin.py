"""Tenants added in admin go through tenant_create, so their creation is in the history."""

import pytest

from events.models import AuditEntry
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_a_tenant_added_in_admin_is_audited_and_keeps_the_chosen_public_id(admin_client):
    response = admin_client.post(
        "/admin/tenants/tenant/add/",
        {
            "public_id": "tn_chosen_by_staff",
            "name": "Verdi SpA",
            "is_active": "on",
            "default_region": "IT",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    tenant = Tenant.objects.get(public_id="tn_chosen_by_staff")
    assert tenant.name == "Verdi SpA" and tenant.is_active
    entry = AuditEntry.objects.get(subject_type="tenant", subject_id=tenant.public_id)
    assert entry.action == "created"
    assert entry.actor, entry.actor  # who: the staff user
