"""The API's one permission class (``api.common.permissions.AccessPermission``) beyond the role matrix: HEAD is its GET,
OPTIONS describes only the writes the caller may do, and a view that forgets to name an operation's action fails
loudly instead of letting anyone in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from api.common.permissions import AccessControlled, AccessPermission, access_action
from funds.access import ACCESS
from tests.funds.factories import make_fund

pytestmark = pytest.mark.django_db


def test_head_is_allowed_or_refused_as_its_get(bearer_client, judge, auditor):
    fund = make_fund()

    assert bearer_client(judge).head("/api/v1/me/").status_code == 200
    assert bearer_client(judge).head(f"/api/v1/funds/{fund.pk}/").status_code == 403
    assert bearer_client(auditor).head(f"/api/v1/funds/{fund.pk}/").status_code == 200


def test_options_describes_a_write_only_to_a_caller_who_may_do_it(bearer_client, judge, manager):
    judges = bearer_client(judge).options("/api/v1/funds/")
    managers = bearer_client(manager).options("/api/v1/funds/")

    assert judges.status_code == managers.status_code == 200
    assert "actions" not in judges.json()
    assert "POST" in managers.json()["actions"]


class Forgetful(AccessControlled, APIView):
    access = ACCESS
    access_actions = {"get": "fund.read"}

    def get(self, request):
        return Response({})

    def post(self, request):  # no action named for it
        return Response({})


def test_an_operation_whose_action_the_view_does_not_name_is_a_configuration_error(manager):
    request = APIRequestFactory().post("/forgetful/")
    force_authenticate(request, manager)
    view = Forgetful()
    view.request = view.initialize_request(request)

    assert access_action(view, "GET") == "fund.read"
    with pytest.raises(ImproperlyConfigured, match="names no action for 'post'"):
        AccessPermission().has_permission(view.request, view)
