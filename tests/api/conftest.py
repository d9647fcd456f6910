"""Fixtures shared by the route-family tests."""

import pytest

from customers.models import ApiProduct


@pytest.fixture
def tse(db):
    """The document's product. A data migration creates it; transactional tests flush it."""
    product, _ = ApiProduct.objects.get_or_create(slug="tse", defaults={"name": "TSE"})
    return product
