"""Events and webhook domain errors; their messages are constants the tests import."""

from core.problems import ApplicationError

MSG_EVENT_NOT_FOUND = "Event not found."
MSG_ENDPOINT_NOT_FOUND = "Webhook endpoint not found."
MSG_ENDPOINT_LIMIT = "An application can have at most {limit} webhook endpoints."
MSG_URL_SCHEME = "Only http and https URLs are accepted."
MSG_URL_PRIVATE = (
    "The URL resolves to a private, loopback or link-local address "
    "(allowed only with WEBHOOKS_ALLOW_PRIVATE_URLS=true)."
)
MSG_URL_UNRESOLVABLE = "The URL's host does not resolve."
MSG_EVENT_PATTERN = "Unknown event type: use one of {types} or customer.*."


class EventNotFound(ApplicationError):
    status = 404
    code = "not_found"
    detail = MSG_EVENT_NOT_FOUND


class EndpointNotFound(ApplicationError):
    status = 404
    code = "not_found"
    detail = MSG_ENDPOINT_NOT_FOUND


class EndpointLimitReached(ApplicationError):
    status = 409
    code = "webhook_endpoint_limit"


class WebhookUrlRefused(ApplicationError):
    """A webhook URL that is not http(s) or points inside the network (SSRF)."""

    status = 400
    code = "webhook_url_refused"

    def __init__(self, message: str):
        super().__init__(message, errors=[{"field": "url", "code": "refused", "message": message}])
