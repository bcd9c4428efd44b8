"""What a paid claim changes outside the claim: the enterprise's exposure (its 구상채권 counts in every instrument's
per-firm limit) and the program's position (claims, rates, subsidies paid), as the API shows it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from enterprises import exposure
from guarantees import selectors, services
from tests.factories import EnterpriseFactory, ManagerFactory

from .claim_factories import paid_claim, set_defaulted
from .factories import contribute, make_guarantee, make_program

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


def test_a_paid_claim_moves_the_enterprise_from_guaranteed_to_owing_its_recourse():
    program = make_program()
    contribute(program, 1_000_000_000)
    firm = EnterpriseFactory()
    guarantee = make_guarantee(program, enterprise=firm, amount=20_000_000, start_on=date(2026, 3, 2))
    assert exposure.exposure_of(firm.pk).amount_of("guarantees") == Decimal(20_000_000)

    set_defaulted(guarantee, defaulted_on=date(2026, 6, 1), interest_paid_to=date(2026, 6, 1))
    claim = paid_claim(guarantee, requested_on=date(2026, 6, 10), paid_on=date(2026, 6, 15), today=date(2026, 6, 15))

    # The guarantee stands behind nothing now; the firm owes the program the claim's principal (20,000,000 of loan
    # principal and 14 days' interest at 5 %: 20,000,000 x 0.05 x 14 / 365 = 38,356.16..., the claim's own figure).
    guarantee.refresh_from_db()
    assert guarantee.guaranteed.amount == 0
    assert claim.recourse_principal.amount == claim.amount.amount
    assert exposure.exposure_of(firm.pk).amount_of("guarantees") == claim.amount.amount


def test_the_position_carries_claims_rates_and_subsidies_paid():
    program = make_program()
    contribute(program, 1_000_000_000)
    guarantee = make_guarantee(program, amount=30_000_000, start_on=date(2026, 3, 2))
    make_guarantee(program, amount=10_000_000, start_on=date(2026, 3, 2))  # executed, still active
    set_defaulted(guarantee, defaulted_on=date(2026, 6, 1), interest_paid_to=date(2026, 6, 1), balance=30_000_000)
    claim = paid_claim(guarantee, requested_on=date(2026, 6, 10), paid_on=date(2026, 6, 15), today=date(2026, 6, 15))
    services.recovery_record(actor=ManagerFactory(), claim_id=claim.pk, amount=1_000_000,
                             received_on=date(2026, 6, 20), idempotency_key="r1", today=TODAY)

    position = selectors.program_position(program)

    assert position.claims is not None
    assert position.claims_paid == claim.amount.amount
    assert position.recoveries == Decimal(1_000_000)
    assert position.claims.claims_count == 1
    # Executed face amounts: 30,000,000 + 10,000,000; claim rate = claim / 40,000,000 to four places.
    assert position.claims.executed == Decimal(40_000_000)
    assert position.claims.claim_rate == (claim.amount.amount / Decimal(40_000_000)).quantize(Decimal("0.0001"))
    assert position.claims.recovery_rate == (Decimal(1_000_000) / claim.amount.amount).quantize(Decimal("0.0001"))
    assert position.subsidies_paid == 0 and position.subsidy_budget_left == 0


def test_the_program_api_shows_the_claims_figures(api, manager):
    program = make_program()
    contribute(program, 1_000_000_000)
    api.force_authenticate(manager)

    body = api.get(f"/api/v1/guarantee-programs/{program.pk}/").json()

    assert body["claims"] == {"claims_count": 0, "executed": "0", "recourse_outstanding": "0", "written_off": "0",
                              "claim_rate": "0.0000", "recovery_rate": "0.0000"}
    assert body["subsidies_paid"] == "0" and body["subsidy_budget_left"] == "0"
