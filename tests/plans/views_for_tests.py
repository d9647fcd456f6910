"""Test-only views standing in for the company and churnkey routes (built elsewhere)."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView


class CompanyLookupApi(APIView):
    api_family = "company"
    plan_method = "customer.lookup"

    def get(self, request):
        return Response({"ok": True})


class ChurnkeyListApi(APIView):
    api_family = "churnkey"
    plan_method = "customer.list"

    def get(self, request):
        return Response({"ok": True})


class UngatedApi(APIView):
    """No api_family and no plan_method: neither gated nor counted."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/shop/v1/company/lookup", CompanyLookupApi.as_view()),
    path("churnkey/customers", ChurnkeyListApi.as_view()),
    path("ungated", UngatedApi.as_view()),
]
