"""The portal in a real browser (with and without JavaScript): Playwright for Python driving Debian's chromium against a
live server. No browser is downloaded: without /usr/bin/chromium (or CHROMIUM_PATH) these
tests skip, saying why (REQUIRE_BROWSER=true makes that a failure instead). Screenshots go
to test-artifacts/portal/ (gitignored).

The browser runs on a thread of its own with Playwright's sync API, so its event loop never
touches the test's thread, where the ORM sets up data and checks the results.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apikeys.models import ApiKey
from onboarding.services import onboarding_provision
from portal.services import tenant_user_ensure
from portal.views import MSG_LINK_INVALID
from tests.apikeys.factories import make_provider_key
from tests.conftest import make_client
from tests.portal.conftest import PASSWORD, with_password

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "portal"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def in_browser(live_server):
    """Run `script(page, shot)` in chromium on its own thread (javascript=False turns
    scripts off); returns what the script returns."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"no chromium at {CHROMIUM}: `apt-get install chromium` or set CHROMIUM_PATH"
        if os.environ.get("REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"REQUIRE_BROWSER is set but {reason}")
        print(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def run(script, javascript):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            try:
                context = browser.new_context(
                    base_url=live_server.url,
                    viewport={"width": 1280, "height": 900},
                    java_script_enabled=javascript,
                )
                context.set_default_timeout(15_000)
                page = context.new_page()

                def shot(name):
                    path = ARTIFACTS / f"{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    return path

                return script(page, shot)
            finally:
                browser.close()

    def call(script, *, javascript: bool = True):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(run, script, javascript).result()

    return call


@pytest.fixture
def provisioned():
    """A tenant made the signup-express way, with an owner who has a password and some usage."""
    result = onboarding_provision(name="Browser Bikes", region="IT")
    owner = with_password(
        tenant_user_ensure(tenant=result.tenant, email="owner@bikes.example", role="owner")
    )
    client = make_client(result.tenant, result.api_key)
    for _ in range(3):
        assert client.get("/v1/customer").status_code == 200
    return result, owner


def test_sign_in_create_a_key_once_roll_revoke_and_see_usage(in_browser, provisioned):
    result, owner = provisioned

    def script(page, shot):
        page.goto("/portal/login")
        page.fill("#id_username", owner.user.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/portal/")
        assert "Browser Bikes" in page.content()
        shot("01-overview")

        page.click("nav >> text=Keys")
        page.fill("#id_label", "from the browser")
        page.uncheck("input[name=scopes][value=write]")
        page.click("#create-key button[type=submit]")
        created = page.input_value("#secret")
        page.click("button[data-copy=secret]")
        # The copy handler awaits the clipboard, then relabels the button.
        page.wait_for_function(
            "document.querySelector('button[data-copy=secret]').textContent === 'Copied'"
        )
        shot("02-key-created")
        page.goto("/portal/keys")
        shown_again = created in page.content()

        page.locator("tr", has_text="from the browser").locator("button[name=roll]").click()
        rolled = page.input_value("#secret")
        assert "keeps working until" in page.content()
        shot("03-key-rolled")

        page.goto("/portal/keys")
        page.locator("tr", has_text="default").locator("button[name=revoke]").click()
        page.wait_for_selector("text=revoked.")
        shot("04-key-revoked")

        page.click("nav >> text=Usage")
        page.wait_for_url("**/portal/usage")
        page.wait_for_selector("svg.chart rect.bar", state="attached")  # empty bars are 0 px
        bars = page.locator("svg.chart").first.locator("rect.bar")
        heights = [
            float(h) for h in bars.evaluate_all("els => els.map(e => e.getAttribute('height'))")
        ]
        total = page.locator("svg.chart").first.get_attribute("data-total")
        box = page.locator("svg.chart").first.bounding_box()
        shot("05-usage")
        return created, shown_again, rolled, heights, total, box

    created, shown_again, rolled, heights, total, box = in_browser(script)
    assert not shown_again
    new_key = ApiKey.objects.get(label="from the browser", expires_at__isnull=True)
    assert new_key.matches(rolled) and new_key.scopes == ["read"]
    old_key = ApiKey.objects.get(label="from the browser", expires_at__isnull=False)
    assert old_key.matches(created)
    assert ApiKey.objects.get(label="default").revoked_at is not None
    assert len(heights) == 7 * 24 and max(heights) > 0 and total == "3"
    assert box["width"] > 300 and box["height"] > 100


def test_an_sso_link_signs_the_user_in_once(in_browser, provisioned, live_server):
    result, _owner = provisioned
    provider = APIClient()
    provider.credentials(HTTP_AUTHORIZATION=f"Bearer {make_provider_key()[1]}")
    response = provider.post(
        "/v1/portal/sso",
        {"tenantId": result.tenant.public_id, "email": "dev@bikes.example"},
        format="json",
    )
    link = response.json()["url"].replace("http://testserver", live_server.url)

    def script(page, shot):
        page.goto(link)
        page.wait_for_url("**/portal/")
        signed_in_as = page.text_content("header .who")
        shot("06-sso-signed-in")
        page.goto("/portal/docs")
        page.click("#swagger-link")
        page.wait_for_selector(".swagger-ui .information-container")
        prefilled = page.evaluate("ui.authSelectors.authorized().toJS().tenantHeader.value")
        page.click(".auth-wrapper .authorize")
        page.wait_for_selector(".modal-ux")
        shot("08-swagger-tenant-prefilled")
        page.context.clear_cookies()
        page.goto(link)
        refused = page.text_content("[role=alert]")
        shot("07-sso-link-used")
        return signed_in_as, prefilled, refused

    signed_in_as, prefilled, refused = in_browser(script)
    assert "dev@bikes.example (member)" in signed_in_as
    assert prefilled == result.tenant.public_id
    assert refused == MSG_LINK_INVALID


def test_with_javascript_off_sign_in_and_key_pages_still_work(in_browser, provisioned):
    _result, owner = provisioned

    def script(page, shot):
        page.goto("/portal/login")
        page.fill("#id_username", owner.user.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/portal/")
        page.goto("/portal/keys")
        page.fill("#id_label", "no script")
        page.click("#create-key button[type=submit]")
        created = page.input_value("#secret")
        shot("09-no-javascript-key-created")
        page.goto("/portal/usage")
        bars = page.locator("svg.chart").first.locator("rect.bar").count()
        return created, bars

    created, bars = in_browser(script, javascript=False)
    assert ApiKey.objects.get(label="no script").matches(created)
    assert bars == 7 * 24  # the charts are inline SVG: no script needed either
