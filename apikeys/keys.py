"""The API key format: `<type>_<32 base62 random><6 base62 CRC32>`, GitHub-style.

The checksum lets us refuse a mistyped or made-up key without touching the database, and
the fixed `<type>_` prefix makes leaked keys easy for secret scanners to spot.
"""

import hashlib
import hmac
import re
import secrets
import string
import zlib

ALPHABET = string.digits + string.ascii_letters  # base62
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
LOOKUP_LENGTH = 8  # random chars kept in clear as the indexed lookup prefix

TENANT_KEY_TYPE = "cmk"  # customer-management key, used by business apps
PROVIDER_KEY_TYPE = "cmp"  # provider key, used for signup express
KEY_TYPES = (TENANT_KEY_TYPE, PROVIDER_KEY_TYPE)

_KEY_RE = re.compile(
    rf"^(?P<type>[a-z]{{3}})_(?P<random>[0-9A-Za-z]{{{RANDOM_LENGTH}}})"
    rf"(?P<checksum>[0-9A-Za-z]{{{CHECKSUM_LENGTH}}})$"
)


def _base62(number: int, width: int) -> str:
    chars = []
    while number:
        number, rem = divmod(number, 62)
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def generate_key(key_type: str = TENANT_KEY_TYPE) -> str:
    """A fresh key: about 190 bits of randomness, so a fast hash is the right storage."""
    if key_type not in KEY_TYPES:
        raise ValueError(f"unknown key type {key_type!r}")
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    body = f"{key_type}_{random_part}"
    return body + _checksum(body)


def parse_key(raw: str) -> tuple[str, str] | None:
    """Return (type, lookup prefix) for a well-formed key with a valid checksum, else None."""
    match = _KEY_RE.match(raw or "")
    if not match or match["type"] not in KEY_TYPES:
        return None
    body = f"{match['type']}_{match['random']}"
    if not secrets.compare_digest(_checksum(body), match["checksum"]):
        return None
    return match["type"], lookup_prefix(raw)


def lookup_prefix(raw: str) -> str:
    """The indexed, non-secret part: type plus the first random characters."""
    return raw[: 4 + LOOKUP_LENGTH]


def hash_key(raw: str) -> str:
    """SHA-256 is right here: keys are high-entropy, so slow password hashes buy nothing."""
    return hashlib.sha256(raw.encode()).hexdigest()


def key_matches(stored_hash: str, raw: str) -> bool:
    """Whether `raw` is the key whose hash is stored, compared in constant time."""
    return hmac.compare_digest(stored_hash.encode(), hash_key(raw).encode())


def mask_key(prefix: str) -> str:
    return f"{prefix}{'•' * 8}"
