"""Production settings from docs/deploy.md: `check --deploy` leaves only the two explained
warnings, and HTTPS behind a proxy gives https:// URLs and spares the health checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 50 + "-not-the-real-one-but-long-and-random-enough-xyz",
    "ALLOWED_HOSTS": "api.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://api.example.com",
    "SECURE_COOKIES": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
}


def test_check_deploy_leaves_only_the_warnings_docs_deploy_explains(tmp_path):
    keep = {"PATH", "HOME", "LANG", "DATABASE_URL", "REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(PRODUCTION_ENV, SECRET_KEY_FILE=str(tmp_path / "missing"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    codes = sorted(
        set(line.split("(")[1].split(")")[0] for line in output.splitlines() if "?: (" in line)
    )
    assert codes == ["security.W005", "security.W021"], output
    deploy_md = (ROOT / "docs" / "deploy.md").read_text()
    for code in codes:
        assert code in deploy_md


PROXY = {
    "ALLOWED_HOSTS": ["api.example.com", "testserver"],
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_SSL_REDIRECT": True,
}


@pytest.mark.django_db
@override_settings(**PROXY)
def test_behind_a_tls_proxy_plain_http_is_redirected_but_health_checks_are_not(client):
    assert client.get("/healthz").status_code == 200
    response = client.get("/v1/customer", HTTP_HOST="api.example.com")
    assert response.status_code == 301
    assert response["Location"] == "https://api.example.com/v1/customer"


@pytest.mark.django_db
@override_settings(**PROXY)
def test_behind_a_tls_proxy_the_location_of_a_new_customer_is_https(alice_client):
    response = alice_client.post(
        "/v1/customer",
        {"email": "ada@example.com"},
        format="json",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_HOST="api.example.com",
    )
    assert response.status_code == 201
    assert response["Location"].startswith("https://api.example.com/v1/customer/")
