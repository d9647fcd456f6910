"""Smart Customer API routes, /api/{product}/{version}/company/{companyId}/customer[/{id}].

Group names are the document's parameter names, so the OpenAPI paths read the same.
Trailing slash optional, like /v1.
"""

from django.urls import re_path

from customers import company_api

_BASE = r"^api/(?P<product>[^/]+)/(?P<version>[^/]+)/company/(?P<companyId>[^/]+)/customer"

urlpatterns = [
    re_path(
        _BASE + r"/?$",
        company_api.CompanyCustomerCollectionApi.as_view(),
        name="company-customer-collection",
    ),
    re_path(
        _BASE + r"/(?P<customerId>[^/]+)/?$",
        company_api.CompanyCustomerDetailApi.as_view(),
        name="company-customer-detail",
    ),
]
