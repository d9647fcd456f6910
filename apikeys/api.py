"""HTTP layer of /v1/keys (a caller manages its own application's keys) and /v1/signup."""

from datetime import timedelta

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys import selectors, services
from apikeys.authentication import ProviderKeyAuthentication
from apikeys.exceptions import KeyNotFound
from apikeys.models import MAX_LIVE_KEYS_PER_APPLICATION
from apikeys.permissions import IsProvider
from apikeys.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeyListQuerySerializer,
    ApiKeyListSerializer,
    ApiKeyRolledSerializer,
    ApiKeyRollSerializer,
    ApiKeySerializer,
)
from core.openapi import error_responses
from core.pagination import cursor_envelope
from core.serializers import query_values
from plans.models import ApiFamily, Method

TAG_KEYS = "API keys (v1)"


class ProviderApi(APIView):
    """Base of the operator's routes (signup express, portal SSO): a provider key only, no
    tenant header, and no plan limits (provider keys belong to no application)."""

    authentication_classes = [ProviderKeyAuthentication]
    permission_classes = [IsProvider]
    throttle_classes: list = []


class KeysApi(APIView):
    """Common to /v1/keys views: the caller's application is the only one they can touch."""

    api_family = ApiFamily.V1
    plan_method = Method.KEYS_MANAGE

    def get_key(self, key_id):
        key = selectors.apikey_get(application=self.request.user.application, key_id=key_id)
        if key is None:
            raise KeyNotFound()
        return key


def _created(key, raw: str, **extra) -> dict:
    return {**ApiKeySerializer(key).data, "key": raw, **extra}


class KeyCollectionApi(KeysApi):
    @extend_schema(
        tags=[TAG_KEYS],
        operation_id="v1_keys_list",
        summary="List the application's keys (masked)",
        description=(
            "Newest first, `limit` at a time (the `/v1` cursor envelope: `data`, `limit`, "
            '`nextCursor`, and a `Link: rel="next"` header while there are more).'
        ),
        parameters=[ApiKeyListQuerySerializer],
        responses={200: ApiKeyListSerializer, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        query = ApiKeyListQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        keys, next_cursor = selectors.apikey_list_page(
            application=request.user.application,
            cursor=query.validated_data["cursor"],
            limit=limit,
        )
        body, headers = cursor_envelope(
            request,
            data=ApiKeySerializer(keys, many=True).data,
            limit=limit,
            next_cursor=next_cursor,
        )
        return Response(body, headers=headers)

    @extend_schema(
        tags=[TAG_KEYS],
        operation_id="v1_keys_create",
        summary="Create a key (the key is in this response only)",
        description=(
            f"At most {MAX_LIVE_KEYS_PER_APPLICATION} live keys per application (a rolled key "
            "counts until it expires): one more is a 409 `key_limit_reached`. A key can only "
            "mint keys with scopes it has itself (else 403 `insufficient_scope`); a rolled key "
            "in its grace period cannot create, roll or revoke keys (403 `key_in_grace`). "
            "All keys share the application's limits."
        ),
        request=ApiKeyCreateSerializer,
        responses={
            201: ApiKeyCreatedSerializer,
            409: OpenApiResponse(description="key_limit_reached"),
            **error_responses(400, 401, 403, 429),
        },
    )
    def post(self, request):
        body = ApiKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key, raw = services.apikey_create(
            application=request.user.application,
            label=body.validated_data["label"],
            scopes=body.validated_data["scopes"],
            actor=request.user.key,
        )
        return Response(_created(key, raw), status=status.HTTP_201_CREATED)


class KeyDetailApi(KeysApi):
    @extend_schema(
        tags=[TAG_KEYS],
        operation_id="v1_keys_get",
        summary="Get one key (masked)",
        responses={200: ApiKeySerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, key_id):
        return Response(ApiKeySerializer(self.get_key(key_id)).data)

    @extend_schema(
        tags=[TAG_KEYS],
        operation_id="v1_keys_revoke",
        summary="Revoke a key at once",
        description="Every server process refuses it from the next request on (401 "
        "`api_key_revoked`). A key may revoke itself. Revoking twice is harmless. A rolled "
        "key in its grace period cannot revoke keys (403 `key_in_grace`).",
        responses={
            204: OpenApiResponse(description="Revoked"),
            **error_responses(401, 403, 404, 429),
        },
    )
    def delete(self, request, key_id):
        services.apikey_revoke(key=self.get_key(key_id), actor=request.user.key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class KeyRollApi(KeysApi):
    @extend_schema(
        tags=[TAG_KEYS],
        operation_id="v1_keys_roll",
        summary="Roll a key: a new key now, the old one works until its grace ends",
        description=(
            "Returns a new key (same label and scopes). The old key's `expiresAt` becomes "
            "now + `expiresIn` seconds (default 24 hours, at most 7 days; 0 stops it at "
            "once); rolling never lengthens a key's life. After that it is a 401 "
            "`api_key_expired`. A revoked or expired key cannot be rolled (409 `key_not_live`). "
            "The calling key must hold every scope of the key it rolls (403 "
            "`insufficient_scope`); a rolled key in its grace period cannot roll, create or "
            "revoke keys (403 `key_in_grace`)."
        ),
        request=ApiKeyRollSerializer,
        responses={
            201: ApiKeyRolledSerializer,
            409: OpenApiResponse(description="key_limit_reached or key_not_live"),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def post(self, request, key_id):
        key = self.get_key(key_id)
        body = ApiKeyRollSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new, raw, old = services.apikey_roll(
            key=key,
            grace=timedelta(seconds=body.validated_data["expires_in"]),
            actor=request.user.key,
        )
        return Response(
            _created(new, raw, previous=ApiKeySerializer(old).data),
            status=status.HTTP_201_CREATED,
        )
