"""Usage tests share the plans fixtures: a fixed clock and both limiter backends."""

from tests.plans.conftest import backend, fixed_now  # noqa: F401 - fixtures
