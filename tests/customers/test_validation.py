"""VAT normalisation rules shared by every route family."""

import pytest

from customers.exceptions import MSG_VAT_CHECKSUM, MSG_VAT_INVALID, CustomerValidationError
from customers.validation import normalize_vat


def test_vat_is_stored_compact_and_upper_case():
    assert normalize_vat("it 123.456-789 01", strict=False) == "IT12345678901"


def test_blank_vat_clears_the_field():
    assert normalize_vat("  ", strict=True) == ""


def test_documents_example_vat_passes_the_format_check_by_default():
    assert normalize_vat("IT12345678901", strict=False) == "IT12345678901"


def test_documents_example_vat_is_refused_when_the_tenant_is_strict():
    with pytest.raises(CustomerValidationError) as caught:
        normalize_vat("IT12345678901", strict=True, field="vat-number")
    assert caught.value.errors[0]["field"] == "vat-number"
    assert caught.value.errors[0]["code"] == "vat_checksum"
    assert "checksum" in caught.value.errors[0]["message"]


def test_wrong_check_digit_says_the_checksum_is_wrong():
    with pytest.raises(CustomerValidationError) as caught:
        normalize_vat("DE123456789", strict=True)
    assert caught.value.errors[0]["message"] == MSG_VAT_CHECKSUM


def test_valid_check_digits_pass_strict_mode():
    assert normalize_vat("IT00743110157", strict=True) == "IT00743110157"


@pytest.mark.parametrize("raw", ["-", " . ", "XX123456789", "IT123", "ITABCDEFGHIJK"])
def test_malformed_vat_is_refused_even_when_lenient(raw):
    with pytest.raises(CustomerValidationError) as caught:
        normalize_vat(raw, strict=False)
    assert caught.value.errors[0]["message"] == MSG_VAT_INVALID


def test_a_northern_ireland_vat_number_is_checked_in_the_uk_format_not_a_500():
    # XI is in MEMBER_STATES but python-stdnum has no `xi` module (found by the fuzzer).
    assert normalize_vat("XI 980 7806 84", strict=False) == "XI980780684"
    with pytest.raises(CustomerValidationError):
        normalize_vat("XIR4ISÉ", strict=False)
