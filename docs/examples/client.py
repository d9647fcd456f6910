"""A minimal Python client for /v1/customer, standard library only (Python 3.10+).

    CM_BASE_URL=http://127.0.0.1:8000 CM_API_KEY=cmk_... CM_TENANT_ID=tn_... \
        python docs/examples/client.py

`make run` prints a key and tenant id (also kept in .demo_credentials.json). The script creates,
reads, lists, updates and deletes one customer, printing one JSON line per step. Errors come back
as RFC 9457 problem details; `ApiError` keeps the whole object (`code` is the stable part).
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request


class ApiError(Exception):
    """A problem-details response: `status`, `code`, and the whole `problem` object."""

    def __init__(self, problem: dict):
        super().__init__(f"{problem.get('status')} {problem.get('code')}: {problem.get('detail')}")
        self.problem = problem
        self.status = problem.get("status")
        self.code = problem.get("code")


class CustomerClient:
    def __init__(self, base_url: str, api_key: str, tenant_id: str, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.headers = {
            "Authorization": f"Bearer {api_key}",
            "x-business-tenant-id": tenant_id,
            "Accept": "application/json",
        }

    def _call(self, method: str, path: str, body: dict | None = None, query: dict | None = None):
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                problem = json.loads(raw)
            except ValueError:  # not ours (a proxy's HTML page, say): keep what we can
                problem = {"status": exc.code, "code": "http_error", "detail": raw[:200].decode()}
            raise ApiError(problem) from None

    def create(self, customer: dict) -> dict:
        return self._call("POST", "/v1/customer", customer)

    def get(self, customer_id: str) -> dict:
        return self._call("GET", f"/v1/customer/{customer_id}")

    def list(self, **query) -> dict:
        """One page: {"data": [...], "page", "limit", "total", "totalPages"}."""
        return self._call("GET", "/v1/customer/paged", query=query)

    def update(self, customer_id: str, changes: dict) -> dict:
        """Partial update: only the fields sent change."""
        return self._call("PATCH", f"/v1/customer/{customer_id}", changes)

    def delete(self, customer_id: str) -> None:
        """Soft delete: the customer turns inactive; POST .../restore undoes it."""
        self._call("DELETE", f"/v1/customer/{customer_id}")


def main() -> None:
    client = CustomerClient(
        os.environ.get("CM_BASE_URL", "http://127.0.0.1:8000"),
        os.environ["CM_API_KEY"],
        os.environ["CM_TENANT_ID"],
    )

    def step(name: str, **fields) -> None:
        print(json.dumps({"step": name, **fields}), flush=True)

    ada = client.create(
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "phone": "+39 06 1234 5678",
        }
    )
    step("create", id=ada["id"], phone=ada["phone"])
    step("get", id=client.get(ada["id"])["id"])
    page = client.list(search="lovelace", limit=10)
    step("list", total=page["total"], ids=[customer["id"] for customer in page["data"]])
    step("update", lastName=client.update(ada["id"], {"lastName": "King"})["lastName"])
    try:
        client.create({"firstName": "Another Ada", "email": "ADA@example.com"})
    except ApiError as error:  # emails are unique per tenant, compared case-insensitively
        step(
            "duplicate",
            status=error.status,
            code=error.code,
            existing_id=error.problem.get("existing_id"),
        )
    client.delete(ada["id"])
    step("delete", id=ada["id"])
    try:
        client.get(ada["id"])
    except ApiError as error:
        step("get_deleted", status=error.status, code=error.code)


if __name__ == "__main__":
    main()
