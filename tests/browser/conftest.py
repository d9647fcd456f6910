"""Browser tests: Playwright for Python drives Debian's chromium against a live server.

They need /usr/bin/chromium (or CHROMIUM_PATH); no browser is ever downloaded. Without it they
skip, saying why, unless REQUIRE_BROWSER=true (set by .ci/run after installing chromium): then
a missing browser fails them instead, so CI cannot count a skipped browser test as a pass.
Screenshots of the main steps are written to test-artifacts/browser/ (gitignored).
"""

import asyncio
import inspect
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.async_api import async_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
STAFF_PASSWORD = "browser-test-password"


class Blocking:
    """A Playwright async-API object whose calls block until done.

    Playwright's sync API keeps an asyncio loop running on the test's thread for as long as the
    browser is open, and while a loop runs Django keeps database connections per async context
    (asgiref.local), so fixtures and assertions would see different connections than
    pytest-django set up. Here the loop runs only inside each Playwright call, and the ORM
    between calls sees an ordinary synchronous thread.
    """

    def __init__(self, target, loop: asyncio.AbstractEventLoop):
        self._target, self._loop = target, loop

    def __getattr__(self, name: str):
        value = getattr(self._target, name)
        if not callable(value):
            return self._wrap(value)

        def call(*args, **kwargs):
            args = [arg._target if isinstance(arg, Blocking) else arg for arg in args]
            kwargs = {k: v._target if isinstance(v, Blocking) else v for k, v in kwargs.items()}
            result = value(*args, **kwargs)
            if inspect.isawaitable(result):
                result = self._loop.run_until_complete(result)
            return self._wrap(result)

        return call

    def _wrap(self, value):
        if isinstance(value, list):
            return [self._wrap(item) for item in value]
        if type(value).__module__.startswith("playwright."):
            return Blocking(value, self._loop)
        return value


@pytest.fixture(scope="package")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"no chromium at {CHROMIUM}: `apt-get install chromium` or set CHROMIUM_PATH"
        if os.environ.get("REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    loop = asyncio.new_event_loop()
    playwright = loop.run_until_complete(async_playwright().start())
    try:
        chromium = loop.run_until_complete(playwright.chromium.launch(executable_path=CHROMIUM))
        yield Blocking(chromium, loop)
        loop.run_until_complete(chromium.close())
    finally:
        loop.run_until_complete(playwright.stop())
        loop.close()


class Page:
    """A browser tab on the live server that records every URL it requests."""

    def __init__(self, tab, base_url: str):
        self.tab, self.base_url, self.requested = tab, base_url, []
        tab.on("request", lambda request: self.requested.append(request.url))

    def off_host(self) -> list[str]:
        """Requests that went anywhere but the live server (blob: URLs of this origin are local)."""
        here = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requested
            if urlsplit(url.removeprefix("blob:")).netloc != here and not url.startswith("data:")
        ]

    def screenshot(self, name: str, element=None) -> Path:
        """Save the visible page, or just `element`, as test-artifacts/browser/<name>.jpeg."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.jpeg"
        # JPEG: a fraction of PNG's encoding time on the large Swagger UI page.
        (element or self.tab).screenshot(path=str(path), type="jpeg", quality=70)
        return path


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield Page(context.new_page(), live_server.url)
    context.close()


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_superuser("staff", "staff@example.com", STAFF_PASSWORD)


@pytest.fixture
def admin_page(page, staff_user):
    """The admin, logged in through its own login form."""
    page.tab.goto("/admin/login/?next=/admin/")
    page.tab.fill("#id_username", staff_user.username)
    page.tab.fill("#id_password", STAFF_PASSWORD)
    page.tab.click("input[type=submit]")
    page.tab.wait_for_url("**/admin/")
    return page
