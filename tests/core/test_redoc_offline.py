"""ReDoc's bundle is served with its CDN logo removed, under a same-origin CSP (no browser
needed; tests/browser/test_api_docs.py checks the rendered page's requests)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_served_redoc_bundle_loads_no_logo_from_a_cdn(client):
    page = client.get("/api/redoc/").content.decode()
    assert 'src="/api/redoc/redoc.standalone.js"' in page
    bundle = client.get("/api/redoc/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle["Content-Type"].startswith("text/javascript")
    body = b"".join(bundle) if bundle.streaming else bundle.content
    assert b"Redoc" in body and b"cdn.redoc.ly" not in body


def test_the_redoc_page_allows_requests_to_its_own_origin_only(client):
    page = client.get("/api/redoc/").content.decode()
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'self\';' in page
    assert "fonts.googleapis.com" not in page
