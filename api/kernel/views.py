"""The kernel's endpoints: sign-in and me, enterprises and institutions, the audit trail. Parse, call one service or
selector, render. Who may call each is ``enterprises.access.ACCESS``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from api.common.permissions import AccessControlled
from api.common.permissions import actor as _actor
from core.audit import audit_verify
from core.models import AuditEvent
from core.selectors import audit_events
from enterprises import backers, login_guard, selectors, services
from enterprises.access import ACCESS
from enterprises.exposure import exposures_of
from enterprises.models import Enterprise, Institution

from .serializers import (
    AuditEventSerializer,
    AuditVerificationSerializer,
    EnterpriseSerializer,
    InstitutionSerializer,
    MeSerializer,
    ResendVerificationSerializer,
    SignedUpSerializer,
    SignupSerializer,
    VerifyEmailSerializer,
)

# The operations' groups in the OpenAPI schema (described in SPECTACULAR_SETTINGS["TAGS"]).
TAG_ENTERPRISES = "Enterprises and institutions"
TAG_SIGN_IN = "Sign-in and me"
TAG_AUDIT = "Audit trail"


class KernelView(AccessControlled):
    """What every kernel view that needs a sign-in shares: the one permission class, reading the kernel's table."""

    access = ACCESS


class TokenObtainView(TokenObtainPairView):
    """Exchange a user name and password for an access and a refresh token (JWT).

    After repeated failed attempts for one user name (or from one address) every attempt is refused with 429
    until the window has passed, even with the right password.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    schema_tag = TAG_SIGN_IN
    error_codes = {"post": ("400", "401")}  # wrong user name or password: 401

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = str(request.data.get("username", "")) if hasattr(request.data, "get") else ""
        if username and login_guard.is_locked(username, login_guard.client_address(request)):
            raise Throttled(wait=settings.LOGIN_FAILURE_WINDOW, detail=_("Too many failed logins; try again later."))
        return super().post(request, *args, **kwargs)


class TokenRefreshThrottledView(TokenRefreshView):
    """Exchange a refresh token for a new access token."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    schema_tag = TAG_SIGN_IN
    error_codes = {"post": ("400", "401")}  # refresh token invalid or expired: 401


def _site_url(request: Request) -> str:
    """Where the links in emails point when PUBLIC_BASE_URL is not set: the address the request came to."""
    return request.build_absolute_uri("/")


def _signed_up(user: Any) -> dict[str, Any]:
    return dict(SignedUpSerializer({"id": user.pk, "email": user.email, "display_name": user.display_name,
                                    "email_verified": user.email_verified_at is not None}).data)


class SignupView(APIView):
    """A citizen signs up as a backer (후원자) by itself: the account (its email address is its user name) and an
    email with a link to verify the address, valid for 3 days. A first pledge waits for that verification.

    Anyone may call it, signed in or not (a token sent along is not read); each client address may sign up
    SIGNUP_THROTTLE_RATE times (10 an hour), then 429. An address already used, in any case, is a 400 on
    ``email``; a weak password a 400 on ``password`` naming each rule it breaks."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"
    schema_tag = TAG_SIGN_IN

    @extend_schema(
        request=SignupSerializer, responses={201: SignedUpSerializer},
        examples=[
            OpenApiExample("A citizen signs up", request_only=True,
                           value={"email": "jiyoung.kim@example.com", "password": "maple-river-7421",
                                  "display_name": "김지영"}),
            OpenApiExample("Signed up, address not verified yet", response_only=True, status_codes=["201"],
                           value={"id": 42, "email": "jiyoung.kim@example.com", "display_name": "김지영",
                                  "email_verified": False}),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = backers.backer_signup(**serializer.validated_data, as_of=timezone.now(), site_url=_site_url(request),
                                     client_address=login_guard.client_address(request))
        return Response(_signed_up(user), status=201)


class VerifyEmailView(APIView):
    """Verify a backer's email address with the token from the link in its email (3 days valid). Verifying again
    is harmless: the answer is the same. A tampered or foreign token is a 400 on ``token``, an expired one a 400
    with the code ``verification_expired`` (ask for a new link: ``/auth/resend-verification/``)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    schema_tag = TAG_SIGN_IN

    @extend_schema(
        request=VerifyEmailSerializer, responses={200: SignedUpSerializer},
        examples=[
            OpenApiExample("The token from the link", request_only=True,
                           value={"token": "eyJ1Ijo0MiwiZSI6ImppeW91bmcua2ltQGV4YW1wbGUuY29tIiwidCI6MTc2NDk3OTIwMH0"
                                           ":1vRZqk:Hq3rX2"}),
            OpenApiExample("Verified", response_only=True, status_codes=["200"],
                           value={"id": 42, "email": "jiyoung.kim@example.com", "display_name": "김지영",
                                  "email_verified": True}),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = VerifyEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = backers.backer_verify_email(token=serializer.validated_data["token"], as_of=timezone.now())
        return Response(_signed_up(user))


class ResendVerificationView(KernelView, APIView):
    """Send the verification email again, with a new link (a backer, signed in, whose address is not verified yet;
    RESEND_VERIFICATION_THROTTLE_RATE times an hour, 5 by default). Verified already: 409."""

    access_actions = {"post": "email.resend_verification"}
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "resend_verification"
    schema_tag = TAG_SIGN_IN
    error_codes = {"post": ("400", "409")}  # no address to verify: 400 on email; verified already: 409

    @extend_schema(
        request=None, responses={202: ResendVerificationSerializer},
        examples=[OpenApiExample("Sent again", response_only=True, status_codes=["202"],
                                 value={"email": "jiyoung.kim@example.com"})],
    )
    def post(self, request: Request) -> Response:
        user = _actor(request)
        backers.backer_resend_verification(user=user, as_of=timezone.now(), site_url=_site_url(request))
        return Response(ResendVerificationSerializer({"email": user.email}).data, status=202)


class MeView(KernelView, APIView):
    """Who I am: my user, my roles, my institution and the enterprises I act for."""

    access_actions = {"get": "me.read"}
    schema_tag = TAG_SIGN_IN

    @extend_schema(
        responses=MeSerializer,
        examples=[OpenApiExample("A backer", response_only=True, status_codes=["200"],
                                 value={"id": 42, "username": "jiyoung.kim@example.com", "display_name": "김지영",
                                        "email": "jiyoung.kim@example.com", "email_verified": True,
                                        "roles": ["backer"], "institution": None, "enterprises": []})],
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class EnterpriseViewSet(
    KernelView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Social economy enterprises. Managers create and edit; auditors read all; a member reads only its own."""

    serializer_class = EnterpriseSerializer
    access_actions = {"list": "enterprise.read", "retrieve": "enterprise.read", "create": "enterprise.create",
                      "update": "enterprise.update", "partial_update": "enterprise.update"}
    schema_tag = TAG_ENTERPRISES
    error_codes = {"create": ("400",), "update": ("400", "404"), "partial_update": ("400", "404")}

    def get_queryset(self) -> QuerySet[Enterprise]:
        return selectors.enterprises_visible_to(self.request.user).order_by("name", "id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The page's exposures in one read per instrument, not one per enterprise.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        context = {**self.get_serializer_context(), "exposures": exposures_of(e.pk for e in rows)}
        data = self.get_serializer(rows, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(actor=_actor(request), data=dict(serializer.validated_data))
        return Response(self.get_serializer(enterprise).data, status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(
            actor=_actor(request), enterprise_id=instance.pk, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(enterprise).data)


class InstitutionViewSet(
    KernelView, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Partner institutions: municipalities, intermediaries, banks, guarantee foundations, investors, evaluators.
    Anyone signed in reads them; managers register them."""

    serializer_class = InstitutionSerializer
    access_actions = {"list": "institution.read", "retrieve": "institution.read", "create": "institution.create"}
    schema_tag = TAG_ENTERPRISES
    error_codes = {"create": ("400",)}

    def get_queryset(self) -> QuerySet[Institution]:
        return selectors.institutions_all()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        institution = services.institution_create(actor=_actor(request), data=dict(serializer.validated_data))
        return Response(self.get_serializer(institution).data, status=201)


class AuditFilterSerializer(serializers.Serializer):
    """The audit trail's filters, exact matches; each at most as long as the column it matches."""

    object_type = serializers.CharField(required=False, max_length=100, help_text="e.g. enterprises.enterprise")
    object_id = serializers.CharField(required=False, max_length=64)
    action = serializers.CharField(required=False, max_length=100,
                                   help_text="e.g. enterprises.enterprise.update, funds.loan.repayment")
    actor = serializers.CharField(required=False, max_length=150, help_text="user name, or 'system'")


@extend_schema_view(list=extend_schema(parameters=[AuditFilterSerializer]))
class AuditEventViewSet(KernelView, viewsets.ReadOnlyModelViewSet):
    """The audit trail (append-only, hash-chained), newest first: the events not sealed into the chain yet, then
    the chain from its end. An event is fetched by its place in the chain (``seq``), once sealed. Managers,
    auditors and admins read it."""

    serializer_class = AuditEventSerializer
    access_actions = {"list": "audit.read", "retrieve": "audit.read", "verify": "audit.verify"}
    schema_tag = TAG_AUDIT
    lookup_field = "seq"
    lookup_value_regex = "[0-9]+"
    error_codes = {"list": ("400",)}  # a bad filter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if self.action != "list":
            return audit_events()
        query = AuditFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)  # a NUL in a filter, say, is a 400 naming it
        return audit_events(**query.validated_data)

    @extend_schema(responses=AuditVerificationSerializer)
    @action(detail=False, methods=["get"])
    def verify(self, request: Request) -> Response:
        """Walk the whole hash chain now: is any event edited or deleted, or left unsealed too long? It seals
        nothing (the sealer does that, seconds after each commit): ``pending`` says how many wait."""
        report = audit_verify()
        return Response(
            AuditVerificationSerializer(
                {"ok": report.ok, "events": report.events, "problems": report.problems, "pending": report.pending}
            ).data
        )
