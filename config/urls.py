"""Top-level routes. Every error, including an unknown URL, is answered as problem JSON."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views
from core.idempotency import idempotent_post_routes
from core.openapi import RedocView, redoc_bundle

urlpatterns = [
    # The customer routes first: Django tries patterns in order, and they take most calls.
    path("", include("customers.urls")),
    path("", core_views.index, name="index"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("problems/", core_views.problem_types, name="problem-types"),
    path("problems/<slug:code>", core_views.problem_types, name="problem-type"),
    path("", include("customers.company_urls")),
    path("", include("customers.churnkey_urls")),
    path("", include("apikeys.urls")),
    path("", include("usage.urls")),
    path("", include("onboarding.urls")),
    path("", include("events.urls")),
    path("", include("portal.api_urls")),
    path("portal/", include("portal.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("api/docs", RedirectView.as_view(url="/api/docs/", permanent=True)),
    path("api/redoc", RedirectView.as_view(url="/api/redoc/", permanent=True)),
    path("admin/", admin.site.urls),
]

# Idempotency-Key on every API POST, routes added later included (see core.idempotency).
idempotent_post_routes(urlpatterns)

handler400 = "core.views.handler400"
handler403 = "core.views.handler403"
handler404 = "core.views.handler404"
handler500 = "core.views.handler500"
