"""Admin: the customer changelist, filtered, exports as CSV in the import/export format."""

import csv
import io

from customers.services import customer_create


def test_the_filtered_selection_exports_as_csv(admin_client, tenant_a, tenant_b):
    ada = customer_create(tenant=tenant_a, data={"email": "ada@example.com"})
    customer_create(tenant=tenant_a, data={"email": "old@example.com", "customer_type": "new"})
    customer_create(tenant=tenant_b, data={"email": "bob@example.com"})
    response = admin_client.post(
        f"/admin/customers/customer/?tenant__id__exact={tenant_a.pk}&customer_type__exact=regular",
        {"action": "export_csv", "select_across": "1", "_selected_action": [str(ada.pk)]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["id"], r["email"]) for r in rows] == [(str(ada.pk), "ada@example.com")]
