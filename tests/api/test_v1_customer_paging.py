"""/v1/customer/paged: page numbers, keyset cursors, filters, search and sorting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.filters import CustomerFilter
from customers.models import Customer
from customers.services import customer_create

pytestmark = pytest.mark.django_db

URL = "/v1/customer/paged"


def seed(tenant, count, **extra):
    return [
        customer_create(
            tenant=tenant, data={"first_name": f"C{i:03d}", "last_name": f"L{i:03d}", **extra}
        )
        for i in range(count)
    ]


def test_default_page_is_the_first_twenty_newest_first(alice_client, tenant_a):
    seed(tenant_a, 25)
    body = alice_client.get(URL).json()
    assert (body["page"], body["limit"], body["total"], body["totalPages"]) == (1, 20, 25, 2)
    assert len(body["data"]) == 20
    created = [row["createdAt"] for row in body["data"]]
    assert created == sorted(created, reverse=True)


def test_pages_partition_the_customers(alice_client, tenant_a):
    seed(tenant_a, 23)
    seen = []
    for page in (1, 2, 3):
        body = alice_client.get(URL, {"page": page, "limit": 10}).json()
        assert body["totalPages"] == 3
        seen += [row["id"] for row in body["data"]]
    assert len(seen) == len(set(seen)) == 23


def test_a_page_past_the_end_is_empty(alice_client, tenant_a):
    seed(tenant_a, 3)
    body = alice_client.get(URL, {"page": 5, "limit": 2}).json()
    assert body["data"] == []
    assert body["total"] == 3
    assert body["totalPages"] == 2


def test_an_empty_tenant_has_zero_pages(alice_client):
    body = alice_client.get(URL).json()
    assert (body["data"], body["total"], body["totalPages"]) == ([], 0, 0)


@pytest.mark.parametrize(
    "limit,ok", [(1, True), (100, True), (101, False), (0, False), (-1, False), ("x", False)]
)
def test_limit_bounds(alice_client, limit, ok):
    response = alice_client.get(URL, {"limit": limit})
    assert (response.status_code == 200) is ok
    if not ok:
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("page", [0, -3, "two"])
def test_invalid_page_is_400(alice_client, page):
    assert alice_client.get(URL, {"page": page}).status_code == 400


def test_sort_by_last_name_ascending_and_descending(alice_client, tenant_a):
    for name in ["Verdi", "Bianchi", "Rossi"]:
        customer_create(tenant=tenant_a, data={"last_name": name})
    asc = [r["lastName"] for r in alice_client.get(URL, {"sort": "lastName"}).json()["data"]]
    desc = [r["lastName"] for r in alice_client.get(URL, {"sort": "-lastName"}).json()["data"]]
    assert asc == ["Bianchi", "Rossi", "Verdi"]
    assert desc == list(reversed(asc))


def test_unknown_sort_is_400(alice_client):
    response = alice_client.get(URL, {"sort": "password"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_search_matches_name_email_and_phone_substrings(alice_client, tenant_a):
    mario = customer_create(tenant=tenant_a, data={"first_name": "Mario", "email": "mr@alpha.com"})
    luigi = customer_create(tenant=tenant_a, data={"last_name": "Luigi", "phone": "06 9876 5432"})
    customer_create(tenant=tenant_a, data={"first_name": "Peach", "email": "p@beta.com"})

    def ids(term):
        return {r["id"] for r in alice_client.get(URL, {"search": term}).json()["data"]}

    assert ids("mari") == {str(mario.id)}
    assert ids("ALPHA") == {str(mario.id)}
    assert ids("luig") == {str(luigi.id)}
    assert ids("9876 54") == {str(luigi.id)}
    assert ids("nobody") == set()


@pytest.fixture
def searchable(tenant_a, tenant_b):
    """Three of tenant A's customers and one of B's that every term below would match."""
    made = {
        "mario": customer_create(
            tenant=tenant_a,
            data={"first_name": "Mario", "last_name": "Rossi", "email": "m.rossi@Alpha.com"},
        ),
        "anna": customer_create(
            tenant=tenant_a,
            data={"first_name": "Anna", "last_name": "Bianchi", "phone": "+39 06 9876 5432"},
        ),
        "luca": customer_create(
            tenant=tenant_a,
            data={"first_name": "Luca", "last_name": "Verdi", "email": "lv@beta.org"},
        ),
    }
    customer_create(
        tenant=tenant_b,
        data={
            "first_name": "Mario",
            "last_name": "Rossi Bianchi Verdi",
            "email": "mario.rossi@alpha.com",
            "phone": "+39 06 9876 5432",
        },
    )
    return made


def _found(client, term) -> set[str]:
    body = client.get(URL, {"search": term}).json()
    assert body["total"] == len(body["data"])  # every match fits on the page here
    return {row["id"] for row in body["data"]}


@pytest.mark.parametrize(
    "term,who",
    [
        ("ari", {"mario"}),  # inside the first name
        ("ANCH", {"anna"}),  # inside the last name, any case
        ("rdi", {"luca"}),
        ("alpha.C", {"mario"}),  # inside the email, any case
        ("m.ross", {"mario"}),
        ("98765", {"anna"}),  # digits of the phone (stored as +390698765432)
        ("+39069", {"anna"}),
        ("06 9876 54", {"anna"}),  # the term's digits match the phone
        ("Mario Rossi", {"mario"}),  # first and last name
        ("Rossi Mario", set()),  # in that order only
        ("a", {"mario", "anna", "luca"}),  # shorter than a trigram: still a substring
        ("nobody", set()),
    ],
)
def test_search_finds_a_substring_of_name_email_or_phone(alice_client, searchable, term, who):
    assert _found(alice_client, term) == {str(searchable[name].id) for name in who}


def test_search_never_matches_across_two_columns(alice_client, searchable):
    # A term spanning two columns (however they might be joined) matches neither of them;
    # a two-word term is the "first last" rule.
    assert _found(alice_client, "ioRos") == set()
    assert _found(alice_client, "o\x1fRossi\x1fm.r") == set()
    assert _found(alice_client, "Mario\x1fRossi") == {str(searchable["mario"].id)}


def test_search_treats_like_wildcards_as_text(alice_client, searchable):
    assert _found(alice_client, "%") == set()
    assert _found(alice_client, "m_rossi") == set()


def test_search_never_finds_other_tenants_customers(bob_client, searchable):
    assert len(_found(bob_client, "Rossi")) == 1  # B's own
    assert _found(bob_client, "Anna") == set()
    assert _found(bob_client, "lv@beta") == set()


def test_a_search_page_is_two_statements(alice_client, searchable):
    alice_client.get(URL, {"search": "Rossi"})  # warm the key and plan caches
    with CaptureQueriesContext(connection) as ctx:
        response = alice_client.get(URL, {"search": "Rossi"})
    assert response.json()["total"] == 1
    statements = [q["sql"] for q in ctx.captured_queries]
    # The exact COUNT of the matches, then the page: nothing around them (no transaction,
    # no planner setting) on either database.
    assert len(statements) == 2, statements
    assert "COUNT(" in statements[0].upper()
    assert "customers_customer" in statements[1]


def test_filter_by_customer_type(alice_client, tenant_a):
    customer_create(tenant=tenant_a, data={"first_name": "A", "customer_type": "new"})
    customer_create(tenant=tenant_a, data={"first_name": "B"})
    body = alice_client.get(URL, {"customerType": "new"}).json()
    assert [r["firstName"] for r in body["data"]] == ["A"]
    assert alice_client.get(URL, {"customerType": "vip"}).status_code == 400


def test_filter_by_created_range(alice_client, tenant_a):
    old, new = seed(tenant_a, 2)
    Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()
    after = alice_client.get(URL, {"createdAfter": cutoff}).json()["data"]
    before = alice_client.get(URL, {"createdBefore": cutoff}).json()["data"]
    assert [r["id"] for r in after] == [str(new.id)]
    assert [r["id"] for r in before] == [str(old.id)]
    assert alice_client.get(URL, {"createdAfter": "yesterday"}).status_code == 400


def test_soft_deleted_customers_are_listed_only_when_asked(alice_client, tenant_a):
    keep, gone = seed(tenant_a, 2)
    alice_client.delete(f"/v1/customer/{gone.id}")
    default = {r["id"] for r in alice_client.get(URL).json()["data"]}
    included = {r["id"] for r in alice_client.get(URL, {"includeDeleted": "true"}).json()["data"]}
    inactive = {r["id"] for r in alice_client.get(URL, {"state": "inactive"}).json()["data"]}
    assert default == {str(keep.id)}
    assert included == {str(keep.id), str(gone.id)}
    assert inactive == {str(gone.id)}


def test_collection_get_is_the_same_list(alice_client, tenant_a):
    seed(tenant_a, 3)
    assert alice_client.get("/v1/customer").json() == alice_client.get(URL).json()


# --- cursor mode --------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["-createdAt", "createdAt", "lastName", "-lastName", "email"])
def test_a_full_cursor_walk_sees_every_customer_exactly_once(alice_client, tenant_a, sort):
    seed(tenant_a, 47)
    # Same-timestamp ties are broken by id: force some to exercise the tie-breaker.
    same = timezone.now()
    Customer.objects.filter(first_name__in=["C001", "C002", "C003"]).update(created_at=same)
    seen, cursor, pages = [], "", 0
    while cursor is not None:
        body = alice_client.get(URL, {"cursor": cursor, "limit": 10, "sort": sort}).json()
        assert "total" not in body
        seen += [row["id"] for row in body["data"]]
        cursor = body["nextCursor"]
        pages += 1
        assert pages <= 5
    assert pages == 5
    assert len(seen) == len(set(seen)) == 47
    assert set(seen) == {str(c) for c in Customer.objects.values_list("id", flat=True)}


def test_cursor_walk_respects_filters(alice_client, tenant_a):
    seed(tenant_a, 5, customer_type="new")
    seed(tenant_a, 5)
    body = alice_client.get(URL, {"cursor": "", "limit": 3, "customerType": "new"}).json()
    body2 = alice_client.get(
        URL, {"cursor": body["nextCursor"], "limit": 3, "customerType": "new"}
    ).json()
    assert len(body["data"]) == 3 and len(body2["data"]) == 2
    assert body2["nextCursor"] is None


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJzIjoiLWNyZWF0ZWRBdCJ9", "eyJzIjoibGFzdE5hbWUiLCJ2IjoiQSIsImsiOiJ4In0"]
)
def test_invalid_cursor_is_400(alice_client, tenant_a, cursor):
    seed(tenant_a, 2)
    response = alice_client.get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_cursor_from_another_sort_is_refused(alice_client, tenant_a):
    seed(tenant_a, 3)
    cursor = alice_client.get(URL, {"cursor": "", "limit": 1}).json()["nextCursor"]
    assert alice_client.get(URL, {"cursor": cursor, "sort": "lastName"}).status_code == 400


def test_cursor_mode_sends_a_link_header_while_there_are_more_pages(alice_client):
    for n in range(3):
        alice_client.post("/v1/customer", {"firstName": f"L{n}"}, format="json")
    first = alice_client.get("/v1/customer/paged", {"cursor": "", "limit": 2})
    cursor = first.json()["nextCursor"]
    assert cursor and first["Link"] == first["Link"].split(";")[0] + '; rel="next"'
    assert f"cursor={cursor}" in first["Link"] and "limit=2" in first["Link"]
    last = alice_client.get("/v1/customer/paged", {"cursor": cursor, "limit": 2})
    assert last.json()["nextCursor"] is None and "Link" not in last


@pytest.fixture
def seven_rossi(tenant_a, monkeypatch):
    """Seven matches of search=rossi and a filtered-total cap of 3 (1,000 in production)."""
    from customers import selectors

    monkeypatch.setattr(selectors, "FILTERED_TOTAL_CAP", 3)
    for i in range(7):
        customer_create(tenant=tenant_a, data={"first_name": f"P{i}", "last_name": "Rossi"})
    customer_create(tenant=tenant_a, data={"first_name": "Other", "last_name": "Bianchi"})


def test_a_filtered_total_past_the_cap_is_a_lower_bound_and_says_so(alice_client, seven_rossi):
    body = alice_client.get("/v1/customer/paged", {"search": "rossi", "limit": 2}).json()
    assert (body["total"], body["totalPages"], body["totalExact"]) == (3, 2, False)
    assert len(body["data"]) == 2


def test_the_bound_reaches_the_end_of_the_page_asked_for_so_that_page_is_whole(
    alice_client, seven_rossi
):
    body = alice_client.get("/v1/customer/paged", {"search": "rossi", "limit": 2, "page": 3}).json()
    assert len(body["data"]) == 2
    assert (body["total"], body["totalExact"]) == (6, False)
    last = alice_client.get("/v1/customer/paged", {"search": "rossi", "limit": 2, "page": 4})
    assert len(last.json()["data"]) == 1  # past the bound: counted exactly again
    assert (last.json()["total"], last.json()["totalExact"]) == (7, True)


def test_totals_within_the_cap_and_unfiltered_totals_are_exact(alice_client, seven_rossi):
    body = alice_client.get("/v1/customer/paged", {"search": "bianchi"}).json()
    assert (body["total"], body["totalExact"]) == (1, True)
    body = alice_client.get("/v1/customer/paged", {"limit": 2}).json()
    assert (body["total"], body["totalPages"], body["totalExact"]) == (8, 4, True)


def test_every_list_item_is_the_customer_as_get_by_id_shows_it(alice_client, tenant_a):
    customer_create(
        tenant=tenant_a,
        data={"first_name": "Àda", "email": "ada@example.com", "metadata": {"crm": [1, None]}},
    )
    customer_create(tenant=tenant_a, data={"last_name": "Solo", "phone": "+390612345678"})
    for params in ({}, {"cursor": ""}):
        items = alice_client.get(URL, params).json()["data"]
        assert len(items) == 2
        for item in items:
            assert item == alice_client.get(f"/v1/customer/{item['id']}").json()


def test_an_empty_search_filters_nothing_and_bad_filter_values_are_400(alice_client, tenant_a):
    seed(tenant_a, 3)
    for params in ({}, {"search": ""}, {"search": "  "}):
        assert alice_client.get(URL, params).json()["total"] == 3, params
    for name, bad in (("customerType", "vip"), ("state", ""), ("createdAfter", "soon")):
        response = alice_client.get(URL, {name: bad})
        assert response.status_code == 400, (name, response.content)
        assert response["Content-Type"] == "application/problem+json"


def test_every_list_filter_applies_on_its_own():
    # customers.selectors.customer_list calls each filter's filter() without a FilterSet
    # instance, which a `method=` filter needs (it looks the method up on its FilterSet).
    for name, filter_ in CustomerFilter.base_filters.items():
        assert filter_.method is None, name
