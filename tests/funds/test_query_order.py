"""No implicit order: the revolving fund's models have no ``Meta.ordering``; each query that lists them says which
order it wants (the API's listings: tests/api/funds/test_query_order.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from funds import selectors
from funds.models import BusinessDay, LoanApplication
from funds.services import last_closed_day
from tests.factories import ManagerFactory
from tests.funds.factories import make_application, make_fund, make_product, member_of

# Kept for now, each for a caller that lists them in that order without saying so (see the comment on the model's
# Meta); an entry comes off when its caller orders its own query. None is.
KEPT: dict[type, list[str]] = {}


def test_the_funds_models_have_no_default_order_but_the_few_kept():
    models = list(apps.get_app_config("funds").get_models())
    assert len(models) == 14
    for model in models:
        assert model._meta.ordering == KEPT.get(model, []), model


@pytest.mark.django_db
def test_applications_are_listed_newest_first_each_with_its_approvals_in_the_order_given():
    product = make_product(make_fund(code="order"))
    member = member_of()
    made = [make_application(product, member=member, amount=40_000_000, state="approved"),  # two approvals
            make_application(product, member=member), make_application(product, member=member)]
    now = timezone.now()
    # Created out of the order they were written: the listing goes by when they were created.
    for application, minutes in zip(made, (5, 1, 9), strict=True):
        LoanApplication.objects.filter(pk=application.pk).update(created_at=now - timedelta(minutes=minutes))
    # The second approval given first.
    first, second = made[0].approvals.order_by("id")
    type(first).objects.filter(pk=second.pk).update(approved_at=first.approved_at - timedelta(hours=1))

    listed = list(selectors.applications_visible_to(ManagerFactory()))
    assert [a.pk for a in listed] == [made[1].pk, made[0].pk, made[2].pk]
    assert [a.pk for a in listed[1].approvals.all()] == [second.pk, first.pk]  # prefetched in their order
    assert [a.pk for a in selectors.applications_visible_to(member)] == [made[1].pk, made[0].pk, made[2].pk]


@pytest.mark.django_db
def test_funds_and_products_are_listed_by_code_and_by_name():
    funds = [make_fund(code=code, capital=0) for code in ("seongdong", "gangbuk", "mapo")]
    for name in ("창업자금", "운영자금"):
        make_product(funds[0], name=name, approval_tiers=[{"above_amount": 40_000_000, "approvers": 3},
                                                          {"above_amount": 20_000_000, "approvers": 2}])
    assert [f.code for f in selectors.funds_all()] == ["gangbuk", "mapo", "seongdong"]
    products = list(selectors.products_all())
    assert [p.name for p in products] == ["운영자금", "창업자금"]
    assert [t.above_amount.amount for t in products[0].approval_tiers.all()] == [20_000_000, 40_000_000]


@pytest.mark.django_db
def test_business_days_are_listed_newest_first():
    now = timezone.now()
    days = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 3)]
    for day in days:
        BusinessDay.objects.create(date=day, closed_at=now)
    assert last_closed_day() == date(2026, 3, 4)
    model_admin = admin.site._registry[BusinessDay]
    request = RequestFactory().get("/admin/funds/businessday/")
    assert [d.date for d in model_admin.get_queryset(request)] == sorted(days, reverse=True)
