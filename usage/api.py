"""HTTP layer of /v1/usage."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import error_responses
from plans.models import ApiFamily, Method
from usage.selectors import usage_summary
from usage.serializers import UsageSerializer


class UsageApi(APIView):
    """The caller's application: each limit's state and its hourly usage."""

    api_family = ApiFamily.V1
    plan_method = Method.USAGE_READ

    @extend_schema(
        tags=["API management"],
        operation_id="v1_usage",
        summary="Usage and limits of the caller's application",
        description=(
            "Each limit of the plan with `used`, `remaining` and `reset`, and hourly counts "
            "per metric for the last 30 days. Exact: counts not yet written to the database "
            "are read from Redis. All keys of an application share its limits."
        ),
        responses={200: UsageSerializer, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        principal = request.user
        return Response(
            usage_summary(application_id=principal.application_id, plan_id=principal.plan_id)
        )
