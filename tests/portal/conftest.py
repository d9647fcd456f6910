"""Portal fixtures: tenant A with an owner and a member, tenant B with an owner; each has
its application and key (from tests/conftest.py). Access matrix of every page:
  owner_a  -> tenant A: view and change;       tenant B's ids: 404
  member_a -> tenant A: view; changes are 403; tenant B's ids: 404
  anonymous -> redirected to /portal/login;    staff without a tenant: 403
"""

import pytest
from django.test import Client

from portal.models import TenantUser
from portal.services import tenant_user_ensure

PASSWORD = "portal-test-password-1"


def signed_in(membership: TenantUser) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def with_password(membership: TenantUser) -> TenantUser:
    membership.user.set_password(PASSWORD)
    membership.user.save()
    return membership


@pytest.fixture
def owner_a(tenant_a, key_a):
    return with_password(
        tenant_user_ensure(tenant=tenant_a, email="olga@alice.example", role="owner")
    )


@pytest.fixture
def member_a(tenant_a, key_a):
    return with_password(tenant_user_ensure(tenant=tenant_a, email="mario@alice.example"))


@pytest.fixture
def owner_b(tenant_b, key_b):
    return with_password(tenant_user_ensure(tenant=tenant_b, email="bea@bob.example", role="owner"))


@pytest.fixture
def owner_a_client(owner_a):
    return signed_in(owner_a)


@pytest.fixture
def member_a_client(member_a):
    return signed_in(member_a)


@pytest.fixture
def owner_b_client(owner_b):
    return signed_in(owner_b)
