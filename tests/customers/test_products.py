"""The API product registry behind /api/{product}/..."""

from django.contrib import admin

from customers.models import ApiProduct
from customers.selectors import api_product_get_active


def test_tse_is_registered_by_the_data_migration(db):
    assert ApiProduct.objects.filter(slug="tse", is_active=True).exists()


def test_only_active_products_are_served(db):
    ApiProduct.objects.create(slug="old", name="Old", is_active=False)
    assert api_product_get_active(slug="old") is None
    assert api_product_get_active(slug="tse").slug == "tse"
    assert api_product_get_active(slug="missing") is None


def test_products_are_editable_in_admin():
    assert admin.site.is_registered(ApiProduct)
