"""Baseline routes: startproject's admin plus a DefaultRouter with the customers viewset.

`/customers/` is the plain ModelViewSet over the whole table. `/tenants/<pk>/customers/` is
the same viewset narrowed to one tenant (the two-line `get_queryset` a team writes), so its
list reads the same rows, through the same index, as the service's list of that tenant.
"""

from django.contrib import admin
from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from customers.models import Customer


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = "__all__"


class CustomerViewSet(viewsets.ModelViewSet):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer


class TenantCustomerViewSet(CustomerViewSet):
    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=self.kwargs["tenant_pk"])


router = routers.DefaultRouter()
router.register("customers", CustomerViewSet)

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "tenants/<int:tenant_pk>/customers/",
        TenantCustomerViewSet.as_view({"get": "list"}),
        name="tenant-customer-list",
    ),
    path("", include(router.urls)),
]
