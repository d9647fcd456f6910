"""Smart Customer API routes, /api/{product}/{version}/company/{companyId}/customer[/{customerId}].

Parameter names are the document's, so the OpenAPI paths read the same. Trailing slash optional.
"""

from core.urls import route
from customers import company_api

_BASE = "api/<str:product>/<str:version>/company/<str:companyId>/customer"

urlpatterns = [
    *route(
        _BASE, company_api.CompanyCustomerCollectionApi.as_view(), "company-customer-collection"
    ),
    *route(
        _BASE + "/<str:customerId>",
        company_api.CompanyCustomerDetailApi.as_view(),
        "company-customer-detail",
    ),
]
