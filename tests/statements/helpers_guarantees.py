"""A small special-guarantee program's first half of 2026, made through the services in the order things happened,
for the program, enterprise and fee statements. The Dalseong-style program of ``tests.guarantees.factories`` (12x,
ratio 100 %, 0.8 % fee of which the city pays 0.5 %p, 2 %p interest subsidy for 24 months, 12 %/yr damages on
구상채권, amounts the city pays rounded to 10 won, floor).

What happens (every guarantee at 5 %, the first partner bank unless said):

- 2026-01-15 the county pays in 1,000,000,000; 2026-03-10 the bank 200,000,000.
- ``active`` (가나다 협동조합): 30,000,000 lent on 2026-02-02; 6,000,000 repaid on 2026-05-20 (balance 24,000,000).
- ``repaid`` (라마바 기업, the second bank): 20,000,000 lent on 2026-02-16, repaid in full on 2026-04-10.
- ``claimed`` (가나다 협동조합 again): 25,000,000 lent on 2026-03-02, defaulted on 2026-04-20 owing all of it
  (interest paid to 2026-04-02); the claim paid on 2026-05-06 is the principal plus 34 days' interest
  (25,000,000 x 5 % x 34 / 365 = 116,438.35 -> 116,430), capped at the face amount: 25,000,000. On 2026-06-15
  3,000,000 is recovered: 40 days' damages 25,000,000 x 12 % x 40 / 365 = 328,767.12 -> 328,767 first, then
  2,671,233 of principal; 22,328,767 is left.
- ``written_off`` (사아자 마을기업): 5,000,000 lent on 2026-03-02, defaulted on 2026-04-20, claim paid 2026-05-06
  (5,000,000: capped), 구상채권 written off on 2026-06-20 (5,000,000).
- ``approved`` (차카타 소셜벤처): 10,000,000 approved on 2026-06-01, not lent by the end of June.
- Each loan's first guarantee year is billed the day it is lent (due that day): 365 days each, so the fee is 0.8 % of
  the loan, the city's share 0.5 % and the enterprise's the rest: active 240,000 = 150,000 + 90,000; repaid
  160,000 = 100,000 + 60,000; claimed 200,000 = 125,000 + 75,000; written off 40,000 = 25,000 + 15,000 (640,000 =
  400,000 + 240,000). The enterprises pay: active 90,000 on the day; written off 15,000 on the day; repaid on
  2026-03-04, 16 days late, 60,260: the late fee 60,000 x 10 % x 16 / 365 = 263.01 -> 260 first, then its 60,000;
  claimed never (75,000 open). The city pays its four shares, 400,000, in one batch on 2026-03-31.
  The repaid loan's early repayment (2026-04-10) refunds its 312 unused days (20 in April, 245 from May to
  December, 31 + 16 to 2027-02-16): 20,000,000 x 0.8 % x 312 / 365 = 136,767.12 -> 136,760, of which the city's
  20,000,000 x 0.5 % x 312 / 365 = 85,479.45 -> 85,470 and the enterprise's 51,290, both in cash (both had paid).
- The interest subsidy budget of 1,000,000 comes in on 2026-03-01; the run for March 2026, paid on 2026-04-06, is
  balance-days x 2 % / 365 per guarantee, floored to 10 won:
  active 31 x 30,000,000 = 930,000,000 -> 50,958.90 -> 50,950; repaid 31 x 20,000,000 = 620,000,000 -> 33,972.60
  -> 33,970; claimed 30 x 25,000,000 = 750,000,000 -> 41,095.89 -> 41,090; written off 30 x 5,000,000 =
  150,000,000 -> 8,219.17 -> 8,210; total 134,220.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from enterprises.models import Enterprise, Institution, User
from guarantees import services
from guarantees.models import Claim, FeeBill, Guarantee, GuaranteeProgram, SubsidyRun
from tests.factories import BankOfficerFactory, EnterpriseFactory, InstitutionFactory, ManagerFactory
from tests.guarantees.claim_factories import paid_claim
from tests.guarantees.factories import contribute, make_guarantee, make_program

KST = ZoneInfo("Asia/Seoul")
TODAY = date(2026, 6, 30)
MAN = 10_000


@dataclass
class World:
    program: GuaranteeProgram
    bank: Institution
    other_bank: Institution
    enterprise: Enterprise  # 가나다 협동조합: ``active`` and ``claimed``
    member: User  # of ``enterprise``
    active: Guarantee
    repaid: Guarantee
    claimed: Guarantee
    written_off: Guarantee
    approved: Guarantee
    claim: Claim  # of ``claimed``
    write_off_claim: Claim
    run: SubsidyRun
    bills: dict[str, FeeBill]  # the first year's bill of each lent guarantee, by its name above
    manager: User
    other_manager: User


def _report(officer: User, guarantee: Guarantee, key: str, on: date, **values: object) -> None:
    services.guarantee_report(actor=officer, guarantee_id=guarantee.pk, on_date=on, idempotency_key=key, today=on,
                              **values)


def _bill(guarantee: Guarantee) -> FeeBill:
    """The first year billed as the loan's execution bills it (the day it is lent)."""
    assert guarantee.start_on is not None
    return services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=guarantee.start_on)


def _pay(bill: FeeBill, amount: int, on: date) -> None:
    member = bill.guarantee.enterprise.memberships.order_by("pk").first().user
    services.fee_pay(bill_id=bill.pk, amount=amount, idempotency_key=f"fee-{bill.pk}-{on}", actor=member, today=on)


def make_world() -> World:
    manager, other_manager = ManagerFactory(), ManagerFactory()
    program = make_program(name="달성군 2026 사회적경제기업 특례보증", code="dalseong-2026")
    bank = program.partner_banks.get()
    other_bank = InstitutionFactory(kind=Institution.Kind.BANK, name="대구은행")
    program.partner_banks.add(other_bank)
    officer, other_officer = BankOfficerFactory(institution=bank), BankOfficerFactory(institution=other_bank)
    contribute(program, 1_000_000_000)  # 2026-01-15
    enterprise = EnterpriseFactory(name="가나다 협동조합")
    active = make_guarantee(program, enterprise=enterprise, bank=bank, amount=3000 * MAN, start_on=date(2026, 2, 2))
    member = enterprise.memberships.get().user
    bills = {"active": _bill(active)}
    _pay(bills["active"], 90_000, date(2026, 2, 2))
    repaid = make_guarantee(program, enterprise=EnterpriseFactory(name="라마바 기업"), bank=other_bank,
                            amount=2000 * MAN, start_on=date(2026, 2, 16))
    bills["repaid"] = _bill(repaid)
    services.subsidy_budget_record(actor=manager, program_id=program.pk, amount=1_000_000,
                                   received_on=date(2026, 3, 1), idempotency_key="budget", today=date(2026, 3, 1))
    claimed = make_guarantee(program, enterprise=enterprise, bank=bank, amount=2500 * MAN, start_on=date(2026, 3, 2))
    written_off = make_guarantee(program, enterprise=EnterpriseFactory(name="사아자 마을기업"), bank=bank,
                                 amount=500 * MAN, start_on=date(2026, 3, 2))
    bills["claimed"], bills["written_off"] = _bill(claimed), _bill(written_off)
    _pay(bills["written_off"], 15_000, date(2026, 3, 2))
    _pay(bills["repaid"], 60_260, date(2026, 3, 4))
    services.contribution_record(actor=None, program_id=program.pk, source="bank", amount=200_000_000,
                                 received_on=date(2026, 3, 10), idempotency_key="bank", today=date(2026, 3, 10),
                                 contributor=bank)
    services.fee_city_pay(program_id=program.pk, paid_on=date(2026, 3, 31), idempotency_key="city-fees",
                          actor=manager, today=date(2026, 3, 31), due_by=date(2026, 3, 31))
    run, _new = services.subsidy_run_prepare(program_id=program.pk, period_start=date(2026, 3, 1), actor=manager,
                                             today=date(2026, 4, 5))
    run, _new = services.subsidy_run_approve(run_id=run.pk, actor=other_manager, today=date(2026, 4, 6),
                                             idempotency_key="pay-march")
    services.guarantee_repay(actor=other_officer, guarantee_id=repaid.pk, on_date=date(2026, 4, 10),
                             idempotency_key="repaid", today=date(2026, 4, 10))
    services.fee_refund_unused(guarantee_id=repaid.pk, repaid_on=date(2026, 4, 10), actor=None,
                               today=date(2026, 4, 10))
    for guarantee in (claimed, written_off):
        services.guarantee_default(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 4, 20),
                                   balance=guarantee.loan_amount.amount, interest_paid_to=date(2026, 4, 2),
                                   idempotency_key=f"default-{guarantee.pk}", today=date(2026, 4, 20))
    claim = paid_claim(Guarantee.objects.get(pk=claimed.pk), requested_on=date(2026, 4, 25),
                       paid_on=date(2026, 5, 6), today=date(2026, 5, 6), officer=officer, interest=116_430)
    write_off_claim = paid_claim(Guarantee.objects.get(pk=written_off.pk), requested_on=date(2026, 4, 25),
                                 paid_on=date(2026, 5, 6), today=date(2026, 5, 6), officer=officer)
    _report(officer, active, "repaid-6m", date(2026, 5, 20), repaid=600 * MAN)
    approved = make_guarantee(program, enterprise=EnterpriseFactory(name="차카타 소셜벤처"), bank=bank,
                              amount=1000 * MAN, state="approved")
    Guarantee.objects.filter(pk=approved.pk).update(approved_at=datetime(2026, 6, 1, 10, 0, tzinfo=KST))
    services.recovery_record(actor=manager, claim_id=claim.pk, amount=3_000_000, received_on=date(2026, 6, 15),
                             idempotency_key="recovery-1", today=date(2026, 6, 15))
    services.recourse_write_off_request(actor=manager, claim_id=write_off_claim.pk, reason="회수 불능",
                                        today=date(2026, 6, 20))
    services.recourse_write_off_approve(actor=other_manager, claim_id=write_off_claim.pk, today=date(2026, 6, 20))
    program.refresh_from_db()
    fresh = {g.pk: g for g in Guarantee.objects.filter(program=program)}
    claim.refresh_from_db()
    write_off_claim.refresh_from_db()
    run.refresh_from_db()
    return World(program=program, bank=bank, other_bank=other_bank, enterprise=enterprise, member=member,
                 active=fresh[active.pk], repaid=fresh[repaid.pk], claimed=fresh[claimed.pk],
                 written_off=fresh[written_off.pk], approved=fresh[approved.pk], claim=claim,
                 write_off_claim=write_off_claim, run=run, manager=manager, other_manager=other_manager,
                 bills={name: FeeBill.objects.get(pk=bill.pk) for name, bill in bills.items()})
