"""Test settings: the production module plus a throwaway key and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests run in transactions a background thread could not see: flush in the request instead
# (tests/usage/test_flusher.py turns the thread on for itself).
USAGE_FLUSH_BACKGROUND = False
