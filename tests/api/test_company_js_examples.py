"""The Smart Customer API document's own JavaScript runs unchanged against a live server.

tests/api/js/smart_customer_api_examples.js holds the document's createCustomer,
deleteCustomer and handleApiError (with their usage lines) verbatim. The harness only
supplies what the document leaves to the page: a global `token`, a `fetch` that prefixes
the server's base URL to the relative paths, and a `confirm` that says yes.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from customers.models import ApiProduct, Customer

EXAMPLES = Path(__file__).parent / "js" / "smart_customer_api_examples.js"
NODE = shutil.which("node")
DOC_COMPANY_ID = "company123"  # the id the document's usage lines pass

PRELUDE = """
const BASE_URL = process.env.BASE_URL;
const token = process.env.API_TOKEN;
const fetch = (path, init) => globalThis.fetch(BASE_URL + path, init);
const confirm = () => true;
const logs = [];
for (const level of ["log", "warn", "error"]) {
  console[level] = (...args) => logs.push({ level, message: args.map(String).join(" ") });
}
"""

EPILOGUE = """
const companyId = process.env.COMPANY_ID;
const results = { usageDeleted: deleted };
results.created = await createCustomer(companyId, {
  "first-name": "Ada",
  "last-name": "Lovelace",
  "email": "ada@example.com",
  "vat-number": "IT00743110157"
});
results.deletedCreated = await deleteCustomer(companyId, results.created.id);
results.deletedAgain = await deleteCustomer(companyId, results.created.id);
results.duplicate = (await createCustomer(companyId, newCustomer)) ?? null;

const messageFor = async (path, init) => {
  const response = await fetch(path, init);
  try {
    handleApiError(response);
  } catch (error) {
    return error.message;
  }
};
const collection = `/api/tse/v1/company/${companyId}/customer`;
results.handled = {
  invalid: await messageFor(collection, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Authorization": `Bearer ${token}` },
    body: JSON.stringify({ "first-name": "John" })
  }),
  badToken: await messageFor(collection, { headers: { "Authorization": "Bearer nope" } }),
  notFound: await messageFor(`${collection}/456`, {
    headers: { "Authorization": `Bearer ${token}` }
  }),
  unknownProduct: await messageFor(`/api/nope/v1/company/${companyId}/customer`, {
    headers: { "Authorization": `Bearer ${token}` }
  })
};
results.logs = logs;
process.stdout.write(JSON.stringify(results));
"""


@pytest.mark.skipif(NODE is None, reason="node is not on PATH (CI installs Node 20)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_documents_create_and_delete_examples_work_unchanged(
    live_server, tmp_path, tenant_a, key_a
):
    tenant_a.public_id = DOC_COMPANY_ID
    tenant_a.save(update_fields=["public_id"])
    ApiProduct.objects.get_or_create(slug="tse", defaults={"name": "TSE"})
    script = tmp_path / "harness.mjs"
    script.write_text(PRELUDE + EXAMPLES.read_text() + EPILOGUE)

    completed = subprocess.run(
        [NODE, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "BASE_URL": live_server.url,
            "API_TOKEN": key_a[1],
            "COMPANY_ID": DOC_COMPANY_ID,
        },
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    messages = [entry["message"] for entry in results["logs"]]

    # The document's own usage lines: John Smith is created, customer "456" is not found.
    john = Customer.objects.get(tenant=tenant_a, email="john.smith@example.com")
    assert (john.first_name, john.last_name, john.vat_number) == ("John", "Smith", "IT12345678901")
    assert results["usageDeleted"] is False
    assert "Customer 456 not found" in messages

    ada = results["created"]
    assert ada["first-name"] == "Ada"
    assert ada["vat-number"] == "IT00743110157"
    assert results["deletedCreated"] is True
    assert f"Customer {ada['id']} deleted successfully" in messages
    assert Customer.objects.get(pk=ada["id"]).deleted_at is not None
    assert results["deletedAgain"] is False
    assert messages.count("Customer created successfully") == 2

    # A duplicate email is a 409, which createCustomer reports as an error and returns nothing.
    assert results["duplicate"] is None
    assert any(m.startswith("Customer creation error: Error: Error 409") for m in messages)

    assert results["handled"] == {
        "invalid": "Invalid request data",
        "badToken": "Invalid authentication token",
        "notFound": "Resource not found",
        "unknownProduct": "Resource not found",
    }
