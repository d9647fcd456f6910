"""Tenant isolation generated from the URL configuration: every route and method, so a route
added later is covered without anyone listing it.

For each route the resolver knows, with each HTTP method its view answers:
  - tenant B's key naming tenant A's objects (customer id, email, phone, key id) -> 404, and A's
    rows are unchanged afterwards;
  - A's key with B's x-business-tenant-id header -> 403 tenant_mismatch, and with B's company id
    in the path (where the route names the tenant) -> 403;
  - every GET made with A's key (lists, lookups, history, usage; with the list query variants
    below) never shows B's identifiers, emails, phones, keys or application.
A route is checked automatically when its view is a DRF view behind HasTenantAccess and every
path parameter is in PATH_PARAMS. Anything else must be in EXEMPT with a reviewed reason, or the
test fails: a new route nobody classified cannot slip through.
"""

import json
import re
from dataclasses import dataclass

import pytest
from django.urls import get_resolver
from rest_framework.views import APIView

from apikeys.models import ApiKey
from apikeys.permissions import HasTenantAccess
from apikeys.services import apikey_create
from customers.models import Customer
from customers.services import customer_create, customer_soft_delete
from events.models import Event, WebhookEndpoint
from events.services import webhook_endpoint_create
from tests.conftest import make_client
from tests.routes import walk

pytestmark = pytest.mark.django_db

# Routes that cannot be checked with tenant keys, each with the reason it is safe. Reviewed:
# adding an entry here is a decision, not a way to make the test pass.
EXEMPT = {
    "": "redirect to the docs; no data",
    "healthz": "liveness probe, no auth, no tenant data",
    "readyz": "readiness probe, no auth, no tenant data",
    "problems/": "static list of problem types",
    "problems/<slug:code>": "static description of one problem type",
    "api/schema/": "OpenAPI document, the same for everyone",
    "api/docs/": "Swagger UI page, static",
    "api/redoc/": "ReDoc page, static",
    "api/docs": "redirect to /api/docs/",
    "api/redoc": "redirect to /api/redoc/",
    "metrics": "Prometheus text for the operator, behind METRICS_TOKEN (not a tenant key; a 404 "
    "without it); label values never identify a tenant, application or key: "
    "tests/core/test_metrics.py",
    "api/redoc/redoc.standalone.js": "the ReDoc JavaScript bundle, static",
    "v1/signup": "provider keys only (no tenant); creates a new tenant, reads none: "
    "tests/onboarding and tests/api/test_key_privileges.py",
    "v1/signup/": "the same route with a trailing slash",
    "v1/portal/sso": "provider keys only (no tenant key): mints a sign-in link for the tenant "
    "named in the body; tests/portal/test_sso.py",
    "v1/portal/sso/": "the same route with a trailing slash",
}
EXEMPT_PREFIXES = {
    "admin/": "Django admin: staff sessions, not API keys; tests/*/test_admin.py",
    "portal/": "developer portal pages: tenant users' sessions, not API keys; every page's "
    "tenant boundary is tested in tests/portal/ (test_pages.py, test_webhooks_page.py)",
}

# How each path parameter names tenant A's data: "object" parameters are what B's key must not
# reach (404), "tenant" parameters name the tenant itself (403 when they are not the key's).
PATH_PARAMS = {
    "customer_id": "object",
    "customerId": "object",
    "id": "object",
    "email": "object",
    "phone": "object",
    "key_id": "object",
    "event_id": "object",
    "endpoint_id": "object",
    "companyId": "tenant",
    "product": "fixed",
    "version": "fixed",
}
FIXED = {"product": "tse", "version": "v1"}

LIST_QUERIES = [{}, {"cursor": ""}, {"search": "ada"}, {"includeDeleted": "true"}, {"limit": 100}]
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass
class Route:
    pattern: str
    view: type
    methods: list[str]

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.pattern)

    def url(self, values: dict) -> str:
        return "/" + _PARAM.sub(lambda m: str(values[m.group(1)]), self.pattern)


def _methods(view: type) -> list[str]:
    return [
        m.upper()
        for m in view.http_method_names
        if m not in ("options", "head", "trace") and hasattr(view, m)
    ]


def _is_tenant_route(view) -> bool:
    return (
        isinstance(view, type)
        and issubclass(view, APIView)
        and any(isinstance(p, HasTenantAccess) for p in view().get_permissions())
    )


def _classify(urlconf: str | None = None):
    """(checked routes, unclassified patterns)."""
    routes, unclassified = [], []
    for pattern, entry in walk(get_resolver(urlconf)):
        if pattern in EXEMPT or pattern.startswith(tuple(EXEMPT_PREFIXES)):
            continue
        view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
        if not _is_tenant_route(view):
            unclassified.append(f"{pattern}: view is not behind HasTenantAccess")
            continue
        unknown = [p for p in _PARAM.findall(pattern) if p not in PATH_PARAMS]
        if unknown:
            unclassified.append(f"{pattern}: unknown path parameter(s) {unknown}")
            continue
        route = Route(pattern, view, _methods(view))
        # core.urls.route adds "<pattern>/" for the same view: checking one form is enough.
        if not any(r.view is view and r.pattern.rstrip("/") == pattern.rstrip("/") for r in routes):
            routes.append(route)
    return routes, unclassified


ROUTES, UNCLASSIFIED = _classify()
CASES = [(route, method) for route in ROUTES for method in route.methods]
OBJECT_CASES = [c for c in CASES if any(PATH_PARAMS[p] == "object" for p in c[0].params)]
COMPANY_CASES = [c for c in CASES if "companyId" in c[0].params]
GET_CASES = [c for c in CASES if c[1] == "GET"]


def _case_id(case) -> str:
    route, method = case
    return f"{method} /{route.pattern}"


def test_every_route_is_checked_or_exempt_with_a_reason():
    assert UNCLASSIFIED == [], (
        "Routes the isolation test cannot classify: give their path parameters a meaning in "
        "PATH_PARAMS, or (after review) an EXEMPT entry with the reason they are safe."
    )
    assert all(reason.strip() for reason in {**EXEMPT, **EXEMPT_PREFIXES}.values())


def test_a_new_route_nobody_classified_fails_the_check():
    _routes, unclassified = _classify("tests.api.isolation_urls_for_tests")
    assert unclassified == [
        "v1/invoice/<str:invoice_id>: unknown path parameter(s) ['invoice_id']",
        "v1/export/<str:invoice_id>: view is not behind HasTenantAccess",
    ]


def test_the_exemption_list_has_no_stale_entries():
    patterns = {pattern for pattern, _entry in walk(get_resolver())}
    assert set(EXEMPT) <= patterns
    assert all(any(p.startswith(prefix) for p in patterns) for prefix in EXEMPT_PREFIXES)


def test_the_generated_matrix_covers_every_route_family():
    covered = {route.pattern.split("/")[0] for route in ROUTES}
    assert {"v1", "api", "churnkey"} <= covered
    assert len(CASES) >= 18
    assert len(OBJECT_CASES) >= 12 and len(COMPANY_CASES) >= 4 and len(GET_CASES) >= 10


class World:
    """Two tenants, each with an active and a soft-deleted customer (and their events), a second
    key, a webhook endpoint and usage."""

    def __init__(self, tenant_a, key_a, tenant_b, key_b):
        self.tenant_a, self.tenant_b = tenant_a, tenant_b
        self.key_a, self.key_b = key_a[0], key_b[0]
        self.client_a = make_client(tenant_a, key_a[1])
        self.client_a_no_header = make_client(tenant_a, key_a[1], header=False)
        self.client_b = make_client(tenant_b, key_b[1])
        self.customer_a = customer_create(
            tenant=tenant_a,
            data={"first_name": "Ada", "email": "ada@a.example", "phone": "+390612345678"},
        )
        self.customer_b = customer_create(
            tenant=tenant_b,
            data={"first_name": "Ada", "email": "ada@b.example", "phone": "+442079460000"},
        )
        gone = customer_create(tenant=tenant_b, data={"first_name": "Adah", "email": "x@b.ex"})
        customer_soft_delete(customer=gone)
        self.deleted_b = gone
        self.other_key_a, _raw = apikey_create(tenant=tenant_a, label="a-second")
        self.endpoint_a, self.endpoint_b = (
            webhook_endpoint_create(
                tenant=tenant,
                application=key.application,
                url=f"https://hooks.{name}.example/in",
                events=["customer.*"],
            )
            for tenant, key, name in ((tenant_a, self.key_a, "a"), (tenant_b, self.key_b, "b"))
        )
        self.event_a = Event.objects.filter(tenant=tenant_a).latest("created_at")
        self.event_b = Event.objects.filter(tenant=tenant_b).latest("created_at")
        for _ in range(3):  # B has usage of its own
            assert self.client_b.get("/v1/customer").status_code == 200

    def values_for(self, owner: str, *, tenant: str | None = None) -> dict:
        """Path values naming `owner`'s objects, in `tenant`'s company (default: the owner's)."""
        customer = self.customer_a if owner == "a" else self.customer_b
        key = self.other_key_a if owner == "a" else self.key_b
        company = (self.tenant_a if (tenant or owner) == "a" else self.tenant_b).public_id
        return {
            **FIXED,
            "customer_id": customer.pk,
            "customerId": customer.pk,
            "id": customer.pk,
            "email": customer.email,
            "phone": customer.phone,
            "key_id": key.public_id,
            "event_id": (self.event_a if owner == "a" else self.event_b).pk,
            "endpoint_id": (self.endpoint_a if owner == "a" else self.endpoint_b).pk,
            "companyId": company,
        }

    def snapshot_a(self):
        return (
            list(Customer.objects.filter(tenant=self.tenant_a).order_by("pk").values()),
            list(  # last_used_at is A's own key being used: not a change to A's data
                ApiKey.objects.filter(application__tenant=self.tenant_a)
                .order_by("pk")
                .values("id", "scopes", "label", "expires_at", "revoked_at", "rolled_at")
            ),
            list(WebhookEndpoint.objects.filter(tenant=self.tenant_a).order_by("pk").values()),
            list(Event.objects.filter(tenant=self.tenant_a).order_by("pk").values_list("pk")),
        )

    def b_markers(self) -> list[str]:
        return [
            str(self.customer_b.pk),
            str(self.deleted_b.pk),
            self.customer_b.email,
            self.deleted_b.email,
            self.customer_b.phone,
            self.key_b.prefix,
            self.key_b.public_id,
            self.tenant_b.public_id,
            self.key_b.application.app_id,
            self.event_b.pk,
            self.endpoint_b.pk,
            self.endpoint_b.url,
        ]


@pytest.fixture
def world(tenant_a, key_a, tenant_b, key_b):
    return World(tenant_a, key_a, tenant_b, key_b)


def _call(client, method: str, url: str, query: dict | None = None, **extra):
    if method == "GET":
        return client.get(url, query or {}, **extra)
    return client.generic(method, url, json.dumps({}), content_type="application/json", **extra)


def _ids(value) -> set:
    if isinstance(value, dict):
        # history entries carry {"id": [old, new]} changes: only scalar ids are identifiers
        found = {value["id"]} if isinstance(value.get("id"), str | int) else set()
        return found.union(*(_ids(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_ids(v) for v in value)) if value else set()
    return set()


@pytest.mark.parametrize("case", OBJECT_CASES, ids=_case_id)
def test_tenant_bs_key_never_reaches_tenant_as_objects(world, case):
    route, method = case
    before = world.snapshot_a()
    # B's own company in the path (else it is a 403 before any lookup), A's objects in it.
    url = route.url({**world.values_for("a"), "companyId": world.tenant_b.public_id})
    response = _call(world.client_b, method, url)
    assert response.status_code == 404, (method, url, response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert world.snapshot_a() == before
    # Nothing of A's comes back, beyond the path B itself sent (echoed as `instance`).
    problem = {k: v for k, v in response.json().items() if k not in ("instance", "request_id")}
    body = json.dumps(problem)
    assert world.customer_a.email not in body and str(world.customer_a.pk) not in body


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_tenant_as_key_with_bs_tenant_header_is_refused(world, case):
    route, method = case
    before = world.snapshot_a()
    url = route.url(world.values_for("a"))
    response = _call(
        world.client_a_no_header, method, url, HTTP_X_BUSINESS_TENANT_ID=world.tenant_b.public_id
    )
    assert response.status_code == 403, (method, url, response.content)
    assert response.json()["code"] == "tenant_mismatch"
    assert world.snapshot_a() == before


@pytest.mark.parametrize("case", COMPANY_CASES, ids=_case_id)
def test_tenant_as_key_with_bs_company_id_is_refused(world, case):
    route, method = case
    before = world.snapshot_a()
    url = route.url(world.values_for("a", tenant="b"))
    response = _call(world.client_a, method, url)
    assert response.status_code == 403, (method, url, response.content)
    assert response.json()["code"] == "tenant_mismatch"
    assert world.snapshot_a() == before


@pytest.mark.parametrize("case", GET_CASES, ids=_case_id)
def test_what_tenant_a_reads_never_contains_tenant_bs_data(world, case):
    route, _method = case
    url = route.url(world.values_for("a"))
    served = 0
    for query in LIST_QUERIES:
        response = world.client_a.get(url, query)
        served += response.status_code == 200
        text = response.content.decode() + " ".join(
            response.get(h, "") for h in ("Location", "Link")
        )
        for marker in world.b_markers():
            assert marker not in text, (url, query, marker)
        if response.status_code == 200:
            ids = _ids(response.json())
            assert not ids & {
                world.customer_b.pk,
                str(world.customer_b.pk),
                world.key_b.public_id,
                world.event_b.pk,
                world.endpoint_b.pk,
            }
    assert served, f"{url} never answered 200: the leak check would prove nothing"
