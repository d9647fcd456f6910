"""A URL configuration with routes nobody classified, for the isolation test's self-check."""

from django.http import JsonResponse
from django.urls import include, path

from customers import api


def _plain_view(request, invoice_id):
    return JsonResponse({})


urlpatterns = [
    path("", include("config.urls")),
    path("v1/invoice/<str:invoice_id>", api.CustomerDetailApi.as_view()),  # unknown parameter
    path("v1/export/<str:invoice_id>", _plain_view),  # not behind HasTenantAccess
]
