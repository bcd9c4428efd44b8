"""Listing applications costs the same number of queries for 1 as for 6 (no query per row)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import ManagerFactory
from tests.funds.factories import make_application, make_fund, make_product, member_of


def _queries_to_list(user) -> int:
    client = APIClient()
    client.force_authenticate(type(user).objects.get(pk=user.pk))  # a fresh object: no roles cached on it
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/loan-applications/")
    assert response.status_code == 200
    return len(captured)


def test_the_application_list_does_not_query_once_per_application(db):
    product = make_product(make_fund(exposure_limit=500_000_000))
    manager = ManagerFactory()
    make_application(product, member=member_of(), state="approved")
    one = _queries_to_list(manager)

    for state in ("approved", "recommended", "submitted", "draft", "approved"):
        make_application(product, member=member_of(), state=state)
    six = _queries_to_list(manager)

    assert six == one
