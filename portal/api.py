"""POST /v1/portal/sso: the provider's product signs its user in to the portal (3scale's
SSO pattern): it asks for a one-time link with its provider key and redirects the user."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apikeys.api import ProviderApi
from core.openapi import error_responses
from portal.serializers import SsoRequestSerializer, SsoResponseSerializer
from portal.services import LOGIN_TOKEN_MAX_AGE, portal_sso_link

TAG_PORTAL = "Developer portal (provider)"


class PortalSsoApi(ProviderApi):
    @extend_schema(
        tags=[TAG_PORTAL],
        operation_id="v1_portal_sso",
        summary="A one-time portal sign-in link for a tenant's user",
        description=(
            "Authenticate with a provider key (`cmp_...`). Returns a URL that signs the user "
            f"in to the developer portal once, within {int(LOGIN_TOKEN_MAX_AGE.total_seconds())}"
            " seconds; a user new to the tenant is created as a member. An unknown or "
            "inactive tenant is a 404; an email of another tenant's user is a 409."
        ),
        request=SsoRequestSerializer,
        responses={200: SsoResponseSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request):
        body = SsoRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        raw, expires_at = portal_sso_link(**body.validated_data)
        url = request.build_absolute_uri(reverse("portal:sso", args=[raw]))
        return Response({"url": url, "expiresAt": expires_at})
