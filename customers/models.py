"""Customers: each belongs to one tenant; duplicates among active ones are refused by the database."""

import uuid

from django.db import models
from django.db.models.functions import Lower


class CustomerType(models.TextChoices):
    REGULAR = "regular", "Regular"
    UNREGISTERED = "unregistered", "Unregistered"
    NEW = "new", "New"
    ANONYMOUS = "anonymous", "Anonymous"


class CustomerState(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


# Constraint names are part of the contract: services map IntegrityError to 409 by them.
UNIQUE_ACTIVE_EMAIL = "customer_unique_active_email_per_tenant"
UNIQUE_ACTIVE_PHONE = "customer_unique_active_phone_per_tenant"
CONSTRAINT_FIELDS = {
    UNIQUE_ACTIVE_EMAIL: "email",
    UNIQUE_ACTIVE_PHONE: "phone",
}

# The fields a client may write (API or staff), each with its /v1 name. The services refuse
# any other field and name fields this way in errors unless the route family names them
# otherwise; the /v1 write serializer and the admin form are built from it. id, tenant,
# state and the timestamps are only ever set by the services.
WRITABLE_FIELDS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone": "phone",
    "vat_number": "vatNumber",
    "customer_type": "customerType",
    "metadata": "metadata",
}

_ACTIVE = models.Q(deleted_at__isnull=True)

# The one comparison form of an email: the unique constraint below indexes it and every
# lookup (customers.selectors) compares with it, so a lookup is a seek on that index.
EMAIL_KEY = Lower("email")

# The /v1 sorts (customers.serializers.V1_SORTS) and the index each pages on, over the
# active customers the lists show: a keyset cursor seeks on it, an offset page walks it.
SORT_INDEXES = {
    "created_at": "customer_active_created",
    "updated_at": "customer_active_updated",
    "last_name": "customer_active_last_name",
    "first_name": "customer_active_first_name",
    "email": "customer_active_email",
}


class Customer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: customer_tenant_created leads with tenant.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="customers", db_index=False
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True, help_text="Stored as given.")
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +390612345678.")
    vat_number = models.CharField(max_length=20, blank=True, help_text="Compact, upper-case.")
    customer_type = models.CharField(
        max_length=16, choices=CustomerType.choices, default=CustomerType.REGULAR
    )
    state = models.CharField(
        max_length=8, choices=CustomerState.choices, default=CustomerState.ACTIVE
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every write (customers.services), so the ETag changes exactly when the row does.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "tenant",
                EMAIL_KEY,
                name=UNIQUE_ACTIVE_EMAIL,
                condition=_ACTIVE & ~models.Q(email=""),
            ),
            models.UniqueConstraint(
                fields=["tenant", "phone"],
                name=UNIQUE_ACTIVE_PHONE,
                condition=_ACTIVE & ~models.Q(phone=""),
            ),
        ]
        indexes = [
            *(
                models.Index(fields=["tenant", field, "id"], name=name, condition=_ACTIVE)
                for field, name in SORT_INDEXES.items()
            ),
            # Lists that include soft-deleted customers (default sort), and the tenant FK.
            models.Index(fields=["tenant", "created_at", "id"], name="customer_tenant_created"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.phone or str(self.id)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def etag(self) -> str:
        """Strong entity tag of this version of the customer (RFC 9110 section 8.8.3)."""
        return f'"{self.pk}.{self.version}"'


class ApiProduct(models.Model):
    """An API product a company route is published under (`/api/{product}/v1/...`).

    Staff add and retire products in admin; an unknown or inactive slug is a 404.
    """

    slug = models.SlugField(max_length=50, unique=True, help_text="As it appears in the URL.")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = "API product"

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class TenantCounter(models.Model):
    """How many active (not soft-deleted) customers a tenant has, exact at every commit.

    Written only by database triggers on the customers table (migration 0005 and
    customers.counting), in the transaction of each write: every path (services, admin,
    bulk, raw SQL, COPY) is counted, and `paged` reads its `total` here instead of counting.
    """

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    active = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.active} active customers"
