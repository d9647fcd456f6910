"""OpenAPI postprocessing: links (how a created resource's id feeds the operations on it, so
clients and the stateful fuzzer in .ci/fuzz follow create -> read -> update -> delete chains),
and request bodies that must be sent."""

_ID = "$response.body#/id"

# (operation that creates, status) -> {link name: (target operation, its parameters)}.
# No link to restore: restoring undoes a delete, which a fuzzer's "deleted stays deleted"
# check cannot know (restore is fuzzed on its own). No link to by-email: email is optional.
LINKS = {
    ("v1_customer_create", "201"): {
        "GetCustomer": ("v1_customer_get", {"customer_id": _ID}),
        "UpdateCustomer": ("v1_customer_update", {"customer_id": _ID}),
        "PatchCustomer": ("v1_customer_patch", {"customer_id": _ID}),
        "DeleteCustomer": ("v1_customer_delete", {"customer_id": _ID}),
        "GetChurnkeyCustomer": ("churnkey_customers_retrieve", {"id": _ID}),
    },
    ("company_customer_create", "201"): {
        "GetCompanyCustomer": (
            "company_customer_get",
            {
                "product": "$request.path.product",
                "version": "$request.path.version",
                "companyId": "$request.path.companyId",
                "customerId": _ID,
            },
        ),
        "DeleteCompanyCustomer": (
            "company_customer_delete",
            {
                "product": "$request.path.product",
                "version": "$request.path.version",
                "companyId": "$request.path.companyId",
                "customerId": _ID,
            },
        ),
    },
    ("v1_keys_create", "201"): {
        "GetKey": ("v1_keys_get", {"key_id": _ID}),
        "RollKey": ("v1_keys_roll", {"key_id": _ID}),
        "RevokeKey": ("v1_keys_revoke", {"key_id": _ID}),
    },
    ("v1_keys_roll", "201"): {
        "GetNewKey": ("v1_keys_get", {"key_id": _ID}),
        "RevokeNewKey": ("v1_keys_revoke", {"key_id": _ID}),
    },
}


# Operations refused without a body (the identity rule needs at least one field), though
# every field of the body is optional on its own.
REQUIRED_BODIES = {"v1_customer_create"}


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: attach LINKS to the responses they start from and
    mark REQUIRED_BODIES as required."""
    operations = {
        operation["operationId"]: operation
        for path in result.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for operation_id in REQUIRED_BODIES:
        body = operations.get(operation_id, {}).get("requestBody")
        if body is not None:
            body["required"] = True
    for (operation_id, status), links in LINKS.items():
        response = operations.get(operation_id, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in links.items()
            if target in operations
        }
    return result
