"""The data-migration catalogue (plain strings) must name exactly the live families and methods."""

from plans.defaults import ALL_FAMILIES, ALL_METHODS, DEFAULT_PLANS
from plans.models import METRICS, ApiFamily, Method


def test_default_catalogue_names_every_family_and_method_of_the_models():
    assert ALL_FAMILIES == list(ApiFamily.values)
    assert ALL_METHODS == list(Method.values)


def test_default_plans_use_only_known_families_and_metrics():
    for _slug, _name, families, *_rest, limits in DEFAULT_PLANS:
        assert set(families) <= set(ApiFamily.values)
        assert {metric for metric, _period, _value in limits} <= set(METRICS)
