"""Conditional requests (RFC 9110 section 13): parsing If-Match / If-None-Match, and the 412."""

from collections.abc import Collection

from core.problems import ApplicationError

MSG_PRECONDITION_FAILED = (
    "If-Match does not match the resource's current ETag: it changed since you read it. "
    "Read it again and retry with the new ETag."
)


class PreconditionFailed(ApplicationError):
    status = 412
    code = "precondition_failed"
    detail = MSG_PRECONDITION_FAILED


def entity_tags(header: str | None) -> frozenset[str] | None:
    """The tags of an If-Match / If-None-Match header; None when absent or `*` (any current
    representation), which is how both headers say "no condition on the version"."""
    if header is None or header.strip() == "*":
        return None
    return frozenset(tag.strip() for tag in header.split(",") if tag.strip())


def if_match_allows(current_etag: str, tags: Collection[str] | None) -> bool:
    """If-Match uses the strong comparison: a weak tag (W/"...") never matches."""
    return tags is None or current_etag in tags


def if_none_match_hits(current_etag: str, header: str | None) -> bool:
    """If-None-Match uses the weak comparison; `*` matches any existing representation."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return current_etag in {tag.removeprefix("W/") for tag in entity_tags(header) or ()}
