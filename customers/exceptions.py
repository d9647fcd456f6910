"""Customer domain errors; their messages are constants the tests import."""

from core.problems import ApplicationError

MSG_IDENTITY_REQUIRED = "At least one of firstName, lastName, email or phone is required."
MSG_EMAIL_INVALID = "Enter a valid email address."
MSG_PHONE_INVALID = (
    "Enter a valid phone number (international, or national for the tenant's region)."
)
MSG_VAT_INVALID = (
    "Enter a valid EU VAT number: a country prefix and that country's national format."
)
MSG_VAT_CHECKSUM = "The VAT number's checksum is wrong."
MSG_VAT_COMPONENT = "The VAT number's checksum or one of its components is wrong."
MSG_NOT_FOUND = "Customer not found."
MSG_DUPLICATE = "An active customer with this {field} already exists."
MSG_RESTORE_DUPLICATE = "Restoring would duplicate an active customer's {field}."
MSG_ERASED = "The customer has been erased and cannot be restored."
MSG_UNKNOWN_PRODUCT = "Unknown API product."
MSG_UNKNOWN_VERSION = "Unknown API version: only v1 exists."


class CustomerValidationError(ApplicationError):
    status = 400
    code = "validation_error"

    def __init__(self, field: str | None, message: str, code: str = "invalid"):
        super().__init__(
            f"{field}: {message}" if field else message,
            errors=[{"field": field, "code": code, "message": message}],
        )


class BulkTooLarge(ApplicationError):
    status = 413
    code = "payload_too_large"

    def __init__(self, count: int):
        super().__init__(f"A bulk call takes at most 1000 customers; this one has {count}.")


class IdentityWouldBeLost(ApplicationError):
    """An update valid on its own that, applied to this customer, would leave no identity
    field: a conflict with the stored state (409), not a malformed request."""

    status = 409
    code = "identity_required"
    detail = MSG_IDENTITY_REQUIRED

    def __init__(self):
        super().__init__(
            MSG_IDENTITY_REQUIRED,
            errors=[{"field": None, "code": "identity_required", "message": MSG_IDENTITY_REQUIRED}],
        )


class CustomerNotFound(ApplicationError):
    status = 404
    code = "not_found"
    detail = MSG_NOT_FOUND


class CustomerConflict(ApplicationError):
    """A duplicate among the tenant's active customers; names the field and the holder."""

    status = 409
    code = "duplicate_customer"

    def __init__(self, field: str, existing_id, *, api_field: str, template: str = MSG_DUPLICATE):
        message = template.format(field=api_field)
        super().__init__(
            message,
            errors=[{"field": api_field, "code": "duplicate", "message": message}],
            extra={"field": api_field, "existing_id": str(existing_id) if existing_id else None},
        )
        self.field = field


class ApiProductNotFound(ApplicationError):
    status = 404
    code = "not_found"
    detail = MSG_UNKNOWN_PRODUCT


class ApiVersionNotFound(ApplicationError):
    status = 404
    code = "not_found"
    detail = MSG_UNKNOWN_VERSION


class CustomerErased(ApplicationError):
    status = 409
    code = "customer_erased"
    detail = MSG_ERASED
