"""Normalisation rules shared by every route family: email, phone (E.164) and EU VAT numbers."""

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from stdnum.eu.vat import MEMBER_STATES
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.util import get_cc_module

from customers.exceptions import (
    MSG_EMAIL_INVALID,
    MSG_PHONE_INVALID,
    MSG_VAT_CHECKSUM,
    MSG_VAT_COMPONENT,
    MSG_VAT_INVALID,
    CustomerValidationError,
)


def normalize_email(raw: str, *, field: str = "email") -> str:
    """Validated with Django's validator and stored as given (trimmed); compared case-insensitively."""
    value = (raw or "").strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise CustomerValidationError(field, MSG_EMAIL_INVALID, "invalid_email") from exc
    return value


def parse_phone(raw: str, region: str) -> str | None:
    """E.164 for a valid number (national numbers read in `region`), None otherwise."""
    value = (raw or "").strip()
    if not value or len(value) > 40:
        return None
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(raw: str, region: str, *, field: str = "phone") -> str:
    if not (raw or "").strip():
        return ""
    e164 = parse_phone(raw, region)
    if e164 is None:
        raise CustomerValidationError(field, MSG_PHONE_INVALID, "invalid_phone")
    return e164


def normalize_vat(raw: str, *, strict: bool, field: str = "vatNumber") -> str:
    """EU VAT: compact and upper-case. By default only the country's format is checked;
    with `strict` the check digits must be right too (the seed's own example fails them)."""
    if not (raw or "").strip():
        return ""
    value = "".join(ch for ch in raw if ch.isalnum()).upper()
    if not value:  # only separators ("-", "."): not a VAT number, and not a way to clear one
        raise CustomerValidationError(field, MSG_VAT_INVALID, "invalid_vat")
    country = value[:2].lower()
    if country not in MEMBER_STATES and country != "el":
        raise CustomerValidationError(field, MSG_VAT_INVALID, "invalid_vat")
    # Greece's prefix is EL; Northern Ireland's XI numbers have the UK's format.
    module = get_cc_module({"el": "gr", "xi": "gb"}.get(country, country), "vat")
    if module is None:  # a prefix python-stdnum has no module for: unknown, not a 500
        raise CustomerValidationError(field, MSG_VAT_INVALID, "invalid_vat")
    try:
        module.validate(value)
    except InvalidChecksum as exc:
        if strict:
            raise CustomerValidationError(field, MSG_VAT_CHECKSUM, "vat_checksum") from exc
    except InvalidComponent as exc:
        if strict:
            raise CustomerValidationError(field, MSG_VAT_COMPONENT, "vat_checksum") from exc
    except ValidationError as exc:
        raise CustomerValidationError(field, MSG_VAT_INVALID, "invalid_vat") from exc
    return value
