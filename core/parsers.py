"""The JSON parser every API view uses."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MSG_BAD_CHARACTERS = "Strings must not contain NUL characters or unpaired surrogates."


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
    """JSON whose strings the database can store; anything else is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not _clean(data):
            raise ParseError(MSG_BAD_CHARACTERS)
        return data
