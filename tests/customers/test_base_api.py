"""Every customer route view says which plan family it belongs to and which plan method
each HTTP method it answers counts as (CustomerApi's class-level table)."""

from types import SimpleNamespace

import pytest
from django.urls import get_resolver

from customers.base_api import CustomerApi
from plans.enforcement import view_method
from plans.models import ApiFamily, Method


def _customer_views():
    views = set()
    for pattern in get_resolver().url_patterns:
        for inner in getattr(pattern, "url_patterns", [pattern]):
            view_class = getattr(inner.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, CustomerApi):
                views.add(view_class)
    return sorted(views, key=lambda view: view.__name__)


def test_all_three_route_families_use_the_base_view():
    assert {view.api_family for view in _customer_views()} == set(ApiFamily)


@pytest.mark.parametrize("view", _customer_views(), ids=lambda view: view.__name__)
def test_each_answered_http_method_has_a_plan_method(view):
    answered = {
        name.upper()
        for name in view.http_method_names
        if name not in {"head", "options"} and hasattr(view, name)
    }
    assert set(view.plan_methods) == answered
    assert all(isinstance(method, Method) for method in view.plan_methods.values())
    assert isinstance(view.api_family, ApiFamily)


def _view(http_method, **attrs):
    return SimpleNamespace(request=SimpleNamespace(method=http_method), **attrs)


def test_the_table_entry_for_the_http_method_is_the_plan_method():
    table = {"GET": Method.CUSTOMER_READ, "DELETE": Method.CUSTOMER_DELETE}
    assert view_method(_view("DELETE", plan_methods=table)) == "customer.delete"
    assert view_method(_view("GET", plan_methods=table)) == "customer.read"


@pytest.mark.parametrize("http_method", ["HEAD", "OPTIONS", "PUT"])
def test_methods_the_table_does_not_list_count_as_its_first_entry(http_method):
    table = {"POST": Method.CUSTOMER_UPDATE}
    assert view_method(_view(http_method, plan_methods=table)) == "customer.update"


def test_a_view_without_a_table_keeps_its_fixed_plan_method():
    assert view_method(_view("GET", plan_method="usage.read")) == "usage.read"
    assert view_method(_view("GET")) == ""
