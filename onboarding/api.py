"""/v1/signup: signup express, the provider's way to create a tenant ready to call the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apikeys.api import ProviderApi
from core.openapi import error_responses
from onboarding.serializers import SignupResultSerializer, SignupSerializer
from onboarding.services import onboarding_provision

TAG_SIGNUP = "Signup (provider)"


class SignupApi(ProviderApi):
    """Signup express: only a provider key may call it; it needs no tenant header."""

    @extend_schema(
        tags=[TAG_SIGNUP],
        operation_id="v1_signup",
        summary="Create a tenant, an application on a plan and its first key",
        description=(
            "Authenticate with a provider key (`cmp_...`, from `manage.py create_provider_key`); "
            "a tenant key is a 401 `wrong_key_type`. One transaction. If the plan requires "
            "approval the application is `pending` and its key gets 403 `application_pending` "
            "until staff approve it in admin. A rolled provider key (in its grace period) is a 403 "
            "`key_in_grace`: rotate provider keys by creating a second one, then revoking the "
            "first."
        ),
        request=SignupSerializer,
        responses={201: SignupResultSerializer, **error_responses(400, 401, 403, 413, 415)},
    )
    def post(self, request):
        body = SignupSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = onboarding_provision(
            name=data["name"], region=data["region"], plan=data["plan"], actor=request.user.key
        )
        return Response(
            {
                "tenantId": result.tenant.public_id,
                "applicationId": result.application.app_id,
                "apiKey": result.api_key,
                "applicationState": result.application.state,
                "plan": result.application.plan.slug,
            },
            status=status.HTTP_201_CREATED,
        )
