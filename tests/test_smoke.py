"""The service answers: health, a create, and a problem for an unknown route."""


def test_healthz_needs_no_auth(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]


def test_create_customer_returns_201_with_location(alice_client):
    response = alice_client.post("/v1/customer", {"firstName": "Mario"}, format="json")
    assert response.status_code == 201, response.content
    assert response["Location"].endswith(f"/v1/customer/{response.json()['id']}")


def test_unknown_route_is_a_problem_not_html(client):
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
