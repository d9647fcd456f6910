"""Serializer plumbing: request bodies must be JSON objects naming only writable fields."""

from django.core.validators import RegexValidator
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.datetimes import storable_datetime
from core.pagination import MAX_CURSOR_LENGTH

MSG_NOT_OBJECT = "The request body must be a JSON object."
MSG_UNKNOWN_FIELD = "Unknown field."
MSG_READ_ONLY_FIELD = "This field is read-only."


class SharedInstanceParse:
    """For serializers validated once per request (bodies, query strings)."""

    @classmethod
    def parse(cls, data) -> dict:
        """`cls(data=data)`'s validated_data after `is_valid(raise_exception=True)`, without
        building the serializer and its fields for each request (that costs more than the
        validation): one shared instance per class validates every input, as run_validation
        keeps no per-call state. An invalid input is refused by a fresh instance, so its 400
        is exactly is_valid's."""
        shared = _SHARED.get(cls)
        if shared is None:
            shared = _SHARED[cls] = cls()
        try:
            return shared.run_validation(data)
        except serializers.ValidationError:
            serializer = cls(data=data)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data  # (valid after all)


_SHARED: dict[type, serializers.Serializer] = {}


class StrictInputSerializer(SharedInstanceParse, serializers.Serializer):
    """Refuses unknown and read-only fields with 400 instead of silently dropping them,
    so a client can never believe it set `id`, `tenant` or `state` (no mass assignment)."""

    read_only_names: frozenset[str] = frozenset()
    # Extra JSON Schema for the whole body (e.g. an anyOf of required fields), added to the
    # OpenAPI request schema by core.openapi.StrictInputSerializerExtension.
    body_schema: dict | None = None

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [MSG_NOT_OBJECT]}, code="invalid"
            )
        errors = {}
        for key in data:
            if key in self.fields and not self.fields[key].read_only:
                continue
            if key in self.read_only_names:
                errors[key] = [serializers.ErrorDetail(MSG_READ_ONLY_FIELD, code="read_only")]
            else:
                errors[key] = [serializers.ErrorDetail(MSG_UNKNOWN_FIELD, code="unknown_field")]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


# A character str.strip() keeps (what DRF's trimming and the services' .strip() leave), as a
# pattern both Python and ECMA-262 (OpenAPI) read the same way: not just "\S", whose ECMA
# meaning keeps \x1c-\x1f and \x85, which Python strips.
NON_BLANK_PATTERN = (
    "[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
NON_BLANK = RegexValidator(NON_BLANK_PATTERN, message="This field may not be blank.", code="blank")


class StrictCharField(serializers.CharField):
    """A string must be sent as a JSON string: 0 or true are refused, not turned into "0"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StorableDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time the database can compare against (core.datetimes): an offset
    beyond ±15:59 or a value outside years 1-9999 is a 400 naming the field, never a 500."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None  # super() refuses it with its own message
            if parsed is not None and parsed.utcoffset() is not None:
                try:
                    storable_datetime(parsed)
                except ValueError as exc:
                    raise serializers.ValidationError(str(exc), code="out_of_range") from exc
        return super().to_internal_value(value)


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": 50,
        "additionalProperties": {
            "oneOf": [{"type": "string", "maxLength": 500}, {"type": "number"}, {"type": "boolean"}]
        },
        "example": {"crmId": "A-1042"},
    }
)
class MetadataField(serializers.JSONField):
    """Stripe's metadata limits: an object of at most 50 keys, keys up to 40 characters,
    values strings (numbers and booleans accepted) of up to 500 characters."""

    MAX_KEYS, MAX_KEY_LENGTH, MAX_VALUE_LENGTH = 50, 40, 500

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise serializers.ValidationError("metadata must be a JSON object.", code="invalid")
        if len(data) > self.MAX_KEYS:
            raise serializers.ValidationError(
                f"metadata can have at most {self.MAX_KEYS} keys.", code="too_many_keys"
            )
        for key, value in data.items():
            if not key or len(key) > self.MAX_KEY_LENGTH:
                raise serializers.ValidationError(
                    f"metadata keys must be 1 to {self.MAX_KEY_LENGTH} characters.",
                    code="key_length",
                )
            if not isinstance(value, (str, int, float, bool)):
                raise serializers.ValidationError(
                    f"metadata[{key}] must be a string, number or boolean.", code="value_type"
                )
            if len(str(value)) > self.MAX_VALUE_LENGTH:
                raise serializers.ValidationError(
                    f"metadata[{key}] can be at most {self.MAX_VALUE_LENGTH} characters.",
                    code="value_length",
                )
        return data


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[A-Za-z0-9_-]+$",
        "minLength": 1,
        "maxLength": MAX_CURSOR_LENGTH,
        "description": "Opaque keyset cursor: empty (or omitted) for the first page, then "
        "exactly a cursor this API returned for the same list and sort. Any other value, "
        "even one matching this pattern, is a 400 `invalid_query` (`invalid_cursor`).",
    }
)
class CursorField(serializers.CharField):
    """A keyset cursor parameter: base64url text, decoded and checked by core.pagination."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(allow_blank=True, max_length=MAX_CURSOR_LENGTH, **kwargs)


class CursorQuerySerializer(serializers.Serializer):
    """`?limit=&cursor=` for keyset lists: limit 1 to 1000 (default 100); a larger or
    non-numeric limit is refused with 400 rather than silently clamped."""

    DEFAULT_LIMIT, MAX_LIMIT = 100, 1000

    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}); a larger value is refused.",
    )
    cursor = CursorField(
        default="",
        help_text="Opaque; omit (or send empty) for the first page, then pass the next cursor.",
    )


class CursorPageSerializer(serializers.Serializer):
    """The /v1 cursor-list envelope (documentation; core.pagination.cursor_envelope builds
    it). Subclasses declare `data`."""

    limit = serializers.IntegerField()
    nextCursor = serializers.CharField(  # noqa: N815
        allow_null=True, help_text="Pass as `cursor` for the next page; null on the last."
    )


def query_values(request, *, repeatable: tuple[str, ...] = ()) -> dict:
    """The query string, one value per name, for a query serializer. A name sent more than
    once is a 400 (otherwise the last value would silently win), except `repeatable` names,
    whose values are kept as a list."""
    params = request.query_params
    repeated = sorted(k for k in params if k not in repeatable and len(params.getlist(k)) > 1)
    if repeated:
        raise serializers.ValidationError(
            {name: ["Send this query parameter once."] for name in repeated}
        )
    values = params.dict()
    for name in repeatable:
        if name in params:
            values[name] = params.getlist(name)
    return values
