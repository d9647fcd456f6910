import pytest

from tests.events.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def private_urls_allowed(settings):
    """The receiver listens on loopback, which only this setting lets through."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
