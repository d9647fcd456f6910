"""Key scopes: `read` for GET, `write` for POST/PUT/PATCH/DELETE, on every tenant route."""

import pytest

from apikeys.services import apikey_create
from tests.conftest import make_client


@pytest.fixture
def customer_id(alice_client):
    return alice_client.post("/v1/customer", {"firstName": "Mario"}, format="json").json()["id"]


@pytest.fixture
def read_only(tenant_a, key_a):
    return make_client(tenant_a, apikey_create(tenant=tenant_a, scopes=["read"])[1])


@pytest.fixture
def write_only(tenant_a, key_a):
    return make_client(tenant_a, apikey_create(tenant=tenant_a, scopes=["write"])[1])


def test_read_only_key_reads(read_only, customer_id):
    assert read_only.get("/v1/customer").status_code == 200
    assert read_only.get(f"/v1/customer/{customer_id}").status_code == 200
    assert read_only.get("/v1/keys").status_code == 200


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/v1/customer"),
        ("put", "/v1/customer/{id}"),
        ("patch", "/v1/customer/{id}"),
        ("delete", "/v1/customer/{id}"),
        ("post", "/v1/customer/{id}/restore"),
        ("post", "/v1/keys"),
        ("post", "/v1/keys/{key}/roll"),
        ("delete", "/v1/keys/{key}"),
    ],
)
def test_read_only_key_gets_403_on_every_write(read_only, customer_id, key_a, method, path):
    path = path.format(id=customer_id, key=key_a[0].pk)
    response = getattr(read_only, method)(path, {"firstName": "Luigi"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "insufficient_scope"
    assert body["required_scope"] == "write" and body["key_scopes"] == ["read"]


def test_write_only_key_cannot_read(write_only, customer_id):
    for path in ("/v1/customer", f"/v1/customer/{customer_id}", "/v1/keys"):
        response = write_only.get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"
    assert write_only.post("/v1/customer", {"firstName": "Anna"}, format="json").status_code == 201
