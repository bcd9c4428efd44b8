"""An enterprise's payout account (정산 계좌): where the bank pays its campaigns' net payouts. Parsing and rendering
only; the rules are in ``crowdfunding.services.campaign_settlement.payout_account_set``. Who may call each is
``crowdfunding.access.ACCESS``.

- ``GET /enterprises/{id}/payout-account/``: its members and staff read it (``registered`` false and the fields null
  while none is given); another enterprise's is a 404 to a member, like one that does not exist.
- ``PUT /enterprises/{id}/payout-account/``: its members or a manager set or change it (bank code, account number,
  holder); every change is in the audit trail.

The account number is shown whole: only the enterprise's members and staff may read it, who see it whole on the
payout file and the pages too.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.permissions import actor as _actor
from crowdfunding.models import Bank, PayoutAccount
from crowdfunding.selectors import campaign_settlement as selectors
from crowdfunding.services import campaign_settlement as services

from .common import ContestsView


class PayoutAccountSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(read_only=True)
    registered = serializers.BooleanField(read_only=True, help_text="false: the enterprise has given no account yet "
                                                                    "(the payout file says 계좌 미등록).")
    bank = serializers.ChoiceField(choices=Bank.choices, read_only=True, allow_null=True,
                                   help_text="The bank's 3-digit code (금융기관 코드).")
    bank_name = serializers.CharField(read_only=True, allow_null=True)
    account_number = serializers.CharField(read_only=True, allow_null=True, help_text="Digits only.")
    holder = serializers.CharField(read_only=True, allow_null=True, help_text="The account holder (예금주).")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @staticmethod
    def of(enterprise_id: int, account: PayoutAccount | None) -> dict[str, Any]:
        if account is None:
            return {"enterprise": enterprise_id, "registered": False, "bank": None, "bank_name": None,
                    "account_number": None, "holder": None, "updated_at": None}
        return {"enterprise": enterprise_id, "registered": True, "bank": account.bank,
                "bank_name": account.get_bank_display(), "account_number": account.account_number,
                "holder": account.holder, "updated_at": account.updated_at}


class PayoutAccountInputSerializer(serializers.Serializer):
    bank = serializers.ChoiceField(choices=Bank.choices, help_text="The bank's 3-digit code (금융기관 코드).")
    account_number = serializers.CharField(max_length=40, help_text="10 to 16 digits; dashes and spaces are dropped.")
    holder = serializers.CharField(max_length=100, help_text="The account holder's name (예금주).")


class PayoutAccountView(ContestsView, APIView):
    """The enterprise's payout account (정산 계좌), where the bank pays its campaigns' net payouts."""

    access_actions = {"get": "payout_account.read", "put": "payout_account.write"}
    error_codes = {"get": ("404",), "put": ("400", "404")}

    @extend_schema(responses=PayoutAccountSerializer)
    def get(self, request: Request, pk: int) -> Response:
        """The enterprise's payout account (its members, staff); ``registered`` false while none is given."""
        enterprise, account = selectors.payout_account_of(request.user, pk)
        return Response(PayoutAccountSerializer(PayoutAccountSerializer.of(enterprise.pk, account)).data)

    @extend_schema(request=PayoutAccountInputSerializer, responses=PayoutAccountSerializer)
    def put(self, request: Request, pk: int) -> Response:
        """Set or change the enterprise's payout account (its members, managers)."""
        selectors.payout_account_of(request.user, pk)  # another enterprise's: 404 before its body is read
        data = PayoutAccountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.payout_account_set(enterprise_id=pk, actor=_actor(request), **data.validated_data)
        return Response(PayoutAccountSerializer(PayoutAccountSerializer.of(account.enterprise_id, account)).data)
