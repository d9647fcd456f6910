"""The portal's cookie and mail settings come from the environment."""

import json
import os
import subprocess
import sys

import pytest

from tests.core.test_settings import ROOT

# Unset in the module means Django's default (False) for the secure flags.
PRINT = (
    "import json, config.settings as s; g = lambda n: getattr(s, n, False); "
    "print(json.dumps([g('SESSION_COOKIE_SECURE'), g('CSRF_COOKIE_SECURE'), "
    "s.SESSION_COOKIE_HTTPONLY, s.EMAIL_BACKEND]))"
)


def _settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "SECURE_COOKIES"}}
    clean.update({"SECRET_KEY": "x" * 50, **env})
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "env, secure",
    [
        ({"SECURE_COOKIES": "true"}, True),  # production behind HTTPS
        ({}, False),  # `make run` on http://127.0.0.1
        ({"SECURE_COOKIES": "true", "DJANGO_DEBUG": "true"}, False),
    ],
)
def test_session_and_csrf_cookies_are_secure_when_configured(env, secure):
    session, csrf, httponly, _mail = _settings(**env)
    assert (session, csrf, httponly) == (secure, secure, True)


def test_mail_goes_to_the_console_unless_configured():
    assert _settings()[3] == "django.core.mail.backends.console.EmailBackend"
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    assert _settings(EMAIL_BACKEND=smtp)[3] == smtp
