"""The JSON parser every API view uses."""

import codecs
import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

from core.db.pool import release_before_reading_the_body

MSG_BAD_CHARACTERS = "Strings must not contain NUL characters or unpaired surrogates."
MSG_TOO_DEEP = "The JSON document is nested more than {depth} levels deep."
MSG_MALFORMED = "JSON parse error: the body is not valid UTF-8 JSON."
MAX_JSON_DEPTH = 16  # the deepest body the API accepts is 3 (an object of lists/objects)

# A string literal (escapes included) or one bracket: strings are skipped whole, so a "[" inside
# one does not count. The scan is linear and touches each byte once, in C.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _check_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse a body nested deeper than `limit` before the JSON parser recurses into it (deep
    nesting is what makes json.loads raise RecursionError, a 500, and costs stack per level)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return  # too few brackets to be too deep: the common case costs two C scans
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise ParseError(MSG_TOO_DEEP.format(depth=limit))
        elif token in (b"]", b"}"):
            depth -= 1


def _clean(value) -> bool:
    """True when no string anywhere in the document (keys included) would be refused by
    PostgreSQL (NUL) or by UTF-8 encoding (a lone surrogate)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_clean(k) and _clean(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_clean(item) for item in value)
    return True


class StrictJSONParser(JSONParser):
    """JSON whose strings the database can store, at most MAX_JSON_DEPTH levels deep, read
    from a body already bounded by MAX_REQUEST_BODY_BYTES; anything else is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        release_before_reading_the_body()  # a slow client must not hold a pooled connection
        # Read one byte past the limit so a body without Content-Length cannot be unbounded.
        raw = stream.read(settings.MAX_REQUEST_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > settings.MAX_REQUEST_BODY_BYTES:
            raise ParseError("The request body is too large.")
        _check_depth(raw)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(
                text, parse_constant=drf_json.strict_constant if self.strict else None
            )
        except (ValueError, RecursionError) as exc:
            raise ParseError(MSG_MALFORMED) from exc
        if not _clean(data):
            raise ParseError(MSG_BAD_CHARACTERS)
        return data
