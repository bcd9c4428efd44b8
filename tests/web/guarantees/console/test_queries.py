"""Each console page of the special guarantees reads in a bounded number of queries: more applications, guarantees,
subsidy lines, claims or recoveries do not add queries (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guarantees import services
from tests.guarantees.factories import make_guarantee
from tests.guarantees.pipeline import make_application

from .world import last_month

pytestmark = pytest.mark.django_db

BOUND = 34  # sessions, the user, its roles, the menu's checks, the page's rows and its facts (the start page: 2 for
# the funding phase's panel, campaigns to settle and payouts to record; 2 for the bonds' inbox, contracts to sign and
# payments to approve)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_the_lists_and_the_start_page_cost_the_same_for_more_rows(gw, client_as, manager):
    _ = gw.submitted, gw.recommended, gw.active, gw.prepared_run, gw.requested_claim
    client = client_as(manager)
    urls = ["/console/", "/console/guarantee-applications/", "/console/guarantees/", "/console/subsidy-runs/",
            "/console/guarantee-claims/", reverse("web:guarantee-program", args=[gw.program.pk])]
    before = [_queries(client, url) for url in urls]
    for _n in range(3):
        make_application(gw.program, amount=1_000_000, state="submitted")
        make_application(gw.program, amount=1_000_000, state="recommended")
        make_guarantee(gw.program, amount=1_000_000)
    after = [_queries(client, url) for url in urls]
    assert after == before
    assert max(after) <= BOUND, dict(zip(urls, after, strict=True))


def test_the_object_pages_cost_the_same_for_more_lines_and_recoveries(gw, client_as, manager):
    claim = gw.paid_claim
    client = client_as(manager)
    for _n in range(4):
        make_guarantee(gw.program, amount=2_000_000)
    run, _created = services.subsidy_run_prepare(program_id=gw.program.pk, period_start=last_month(gw.today),
                                                 actor=gw.preparer, today=gw.today)
    assert run.line_count >= 4
    urls = [reverse("web:guarantee-claim", args=[claim.pk]), reverse("web:subsidy-run", args=[run.pk]),
            reverse("web:guarantee", args=[claim.guarantee_id]),
            reverse("web:guarantee-application", args=[claim.guarantee.application_id])]
    services.recovery_record(actor=manager, claim_id=claim.pk, amount=1_000, received_on=gw.today,
                             idempotency_key="q-0", today=gw.today)
    before = [_queries(client, url) for url in urls]
    for n in range(1, 4):
        services.recovery_record(actor=manager, claim_id=claim.pk, amount=1_000, received_on=gw.today,
                                 idempotency_key=f"q-{n}", today=gw.today)
    after = [_queries(client, url) for url in urls]
    assert after == before
    assert max(after) <= BOUND, dict(zip(urls, after, strict=True))
