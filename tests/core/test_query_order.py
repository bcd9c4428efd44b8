"""No implicit order: the kernel's and the statements' models have no ``Meta.ordering``; each query that lists
them says which order it wants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from core.models import AuditEvent, OutboxMessage
from enterprises.models import Enterprise, Institution
from enterprises.selectors import institutions_all
from ledger.models import Account, Book, Entry, Journal
from statements.models import Statement, StatementDownload
from statements.services import downloads_visible_to, statements_visible_to
from tests.factories import AuditorFactory, InstitutionFactory, ManagerFactory
from tests.funds.factories import make_fund

# Kept for now, each for a caller outside these apps that lists or locks them in that order without saying so
# (see the comment on each model's Meta); an entry comes off when its caller orders its own query.
KEPT = {Account: ["book_id", "code"], Enterprise: ["name", "id"], Institution: ["name"]}


def test_the_kernels_and_the_statements_models_have_no_default_order_but_the_few_kept():
    for label in ("core", "enterprises", "ledger", "statements"):
        for model in apps.get_app_config(label).get_models():
            assert model._meta.ordering == KEPT.get(model, []), model
    assert {AuditEvent, OutboxMessage, Book, Journal, Entry, Statement, StatementDownload}.isdisjoint(KEPT)


@pytest.mark.django_db
def test_institutions_are_listed_by_name():
    names = ["하나은행", "가나협동조합", "다온재단"]
    for name in names:
        InstitutionFactory(name=name)
    assert [i.name for i in institutions_all() if i.name in names] == sorted(names)


@pytest.mark.django_db
def test_statements_and_downloads_are_listed_newest_first():
    fund = make_fund(code="order")
    manager, auditor = ManagerFactory(), AuditorFactory()
    now = timezone.now()
    made = [Statement.objects.create(kind="fund", fund=fund, requested_by=manager, period_start=now.date(),
                                     period_end=now.date()) for _ in range(3)]
    # Asked for out of the order they were written: the listing goes by when they were asked for.
    for statement, minutes in zip(made, (5, 1, 9), strict=True):
        Statement.objects.filter(pk=statement.pk).update(requested_at=now - timedelta(minutes=minutes))
    assert [s.pk for s in statements_visible_to(manager)] == [made[1].pk, made[0].pk, made[2].pk]
    downloads = [StatementDownload.objects.create(statement=made[0], user=auditor, sha256="0" * 64) for _ in range(3)]
    for download, minutes in zip(downloads, (2, 7, 1), strict=True):
        StatementDownload.objects.filter(pk=download.pk).update(at=now - timedelta(minutes=minutes))
    assert [d.pk for d in downloads_visible_to(auditor)] == [downloads[2].pk, downloads[0].pk, downloads[1].pk]
