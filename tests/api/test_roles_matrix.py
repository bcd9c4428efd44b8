"""The role matrix: every action of every access table, tried by every role, through the real URL with a real signed
JWT. One matrix for the whole API, read from the tables, so that an action cannot be added without being tried.

The tables (``enterprises.access``, ``funds.access``, ``guarantees.access``, ``statements.access``,
``crowdfunding.access``) say which roles may do each action. A row here is one request: its action, and what a caller
the table lets in gets (``ok``; ``member``, when an enterprise member gets something else: another enterprise's object
is 404, never a hint that it exists, and a service may refuse a member what the table lets members try, such as a fund
statement; ``bank`` and ``judge`` the same for a bank officer and a judge: another bank's objects, a round the judge
does not sit on are 404, a ranking before its round closed 403). Every other
column follows from the table: anonymous callers 401, a role the table refuses 403. Rows without an action are
operations the API does not have (405 for everyone signed in) and the few routes outside the tables (the API root,
the schema, the docs, the health check). The few actions no API operation names (``SERVICE_ONLY``: the staff pages
call their services) are tried through their services, by every role, the same way.

``{own_*}`` objects belong to the member's enterprise, ``{other_*}`` to an enterprise the member does not act for,
``{missing}`` is an id that no object has. A refusal uses the common error body and writes nothing (no audit event,
journal, state change, idempotency key, statement or message to the outbox); a read writes nothing either (a
download only its line in the download log); a change that succeeds is audited under the caller's name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.utils import timezone
from drf_spectacular.generators import EndpointEnumerator

from api.common.permissions import AccessControlled
from bonds import access as bonds_access
from bonds import services as bond_services
from bonds.models import (
    CapitalCall,
    CapitalCallLine,
    Contract,
    Disbursement,
    Distribution,
    EvaluationPoint,
    Investment,
    Metric,
    OutcomePayment,
    PaymentTerm,
    Result,
)
from core.audit import audit_record, audit_seal
from core.errors import Forbidden
from core.models import AuditEvent, OutboxMessage, VerificationRun
from crowdfunding import access as crowdfunding_access
from crowdfunding.models import PayoutAccount
from enterprises import access as kernel_access
from enterprises.access import Access
from enterprises.models import Enterprise, Institution, Membership
from enterprises.roles import Role
from enterprises.services import verification_request
from funds import access as funds_access
from guarantees import access as guarantees_access
from guarantees import services as guarantee_services
from guarantees.models import (
    CityFeeBatch,
    Claim,
    FeeBill,
    FeePayment,
    FeeRefund,
    Guarantee,
    GuaranteeApplication,
    GuaranteeBalance,
    GuaranteeProgram,
    ProgramContribution,
    RecourseWriteOff,
    Recovery,
    SubsidyBudget,
    SubsidyLine,
    SubsidyRun,
)
from guarantees.services.subsidies import last_ended_period
from statements import access as statements_access
from statements.models import Statement, StatementDownload
from tests.audit_actions import action_for_tests
from tests.bonds import factories as bond_factories
from tests.crowdfunding.award_helpers import TABLE as AWARD_TABLE
from tests.factories import BankOfficerFactory, InstitutionFactory, ManagerFactory
from tests.guarantees.claim_factories import paid_claim, prepared_claim, request_claim, set_defaulted
from tests.guarantees.factories import contribute, make_guarantee, make_program
from tests.guarantees.pipeline import make_application as make_guarantee_application

from .crowdfunding.world import CRITERIA, MARKS_80, ContestsWorld, contests_state, evidence
from .funds.helpers import world_state as funds_world_state
from .helpers import assert_error, enterprise_payload, institution_payload, valid_business_number

TABLES: dict[str, Access] = {
    "kernel": kernel_access.ACCESS,
    "funds": funds_access.ACCESS,
    "guarantees": guarantees_access.ACCESS,
    "statements": statements_access.ACCESS,
    "crowdfunding": crowdfunding_access.ACCESS,
    "bonds": bonds_access.ACCESS,
}

# Every role there is, as the fixture of a user holding it (and nothing else); a plain user holds none.
ROLES: dict[str, Role | None] = {
    "anonymous": None,
    "plain_user": None,
    "judge": Role.JUDGE,
    "evaluator": Role.EVALUATOR,
    "bank_officer": Role.BANK_OFFICER,
    "member": Role.ENTERPRISE_MEMBER,
    "manager": Role.FUND_MANAGER,
    "auditor": Role.AUDITOR,
    "admin_user": Role.ADMIN,
    "backer": Role.BACKER,
    "investor": Role.INVESTOR,
}


class World(ContestsWorld):
    """The funds' objects (``tests.api.funds.world``), the contests' (``tests.api.crowdfunding.world``), and the
    kernel's, the special guarantees' and the statements' ones, each built the first time a request's path or body
    names it."""

    MODELS = (*ContestsWorld.MODELS, Enterprise, Institution, Statement, GuaranteeProgram, ProgramContribution,
              GuaranteeApplication, Guarantee, GuaranteeBalance, SubsidyBudget, SubsidyRun, SubsidyLine, Claim,
              Recovery, RecourseWriteOff, FeeBill, FeePayment, CityFeeBatch, FeeRefund, Contract, Investment,
              CapitalCall, CapitalCallLine, Disbursement, Metric, EvaluationPoint, Result, OutcomePayment, Distribution)

    @cached_property
    def institution(self) -> Institution:
        return InstitutionFactory()

    @cached_property
    def program(self) -> GuaranteeProgram:
        """A Dalseong-style program (12x, 30,000,000 won per firm), with 1,000,000,000 won paid in by the county; its
        application window is open today (from a year ago to a year on)."""
        program = make_program(opens_on=self.today - timedelta(days=365), closes_on=self.today + timedelta(days=365))
        contribute(program, 1_000_000_000)
        return program

    @cached_property
    def bank(self) -> Institution:
        """The program's partner bank: the bank officer's (``bank_officer`` below)."""
        return self.program.partner_banks.get()

    @cached_property
    def other_bank(self) -> Institution:
        bank = InstitutionFactory(kind=Institution.Kind.BANK)
        self.program.partner_banks.add(bank)
        return bank

    @cached_property
    def own_guarantee(self) -> Guarantee:
        """The member's enterprise's active guarantee at the bank officer's bank."""
        return make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=20_000_000)

    @cached_property
    def other_guarantee(self) -> Guarantee:
        """Another enterprise's active guarantee at the bank officer's bank."""
        return make_guarantee(self.program, enterprise=self.other, bank=self.bank, amount=20_000_000)

    @cached_property
    def other_bank_guarantee(self) -> Guarantee:
        """Another enterprise's active guarantee at another bank: the bank officer's 404."""
        return make_guarantee(self.program, enterprise=self.other, bank=self.other_bank, amount=10_000_000)

    # --- interest subsidies (이차보전): runs prepared by the teller (none of the roles called), so that any manager
    # may approve them. The last month that ended is M: a guarantee at the bank officer's bank lent in M (its lines
    # are in M's run only), another at another bank lent at the start of M-2 (in the runs of M-2, M-1 and M).

    @cached_property
    def subsidy_month(self) -> Any:
        return last_ended_period("monthly", self.today)

    def _subsidy_run(self, months_back: int) -> SubsidyRun:
        from core.engines.schedules import add_months

        month = self.subsidy_month
        if not hasattr(self, "_subsidy_guarantees"):
            make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=10_000_000,
                           start_on=month + timedelta(days=5))
            make_guarantee(self.program, enterprise=self.other, bank=self.other_bank, amount=10_000_000,
                           start_on=add_months(month, -2))
            guarantee_services.subsidy_budget_record(actor=self.teller, program_id=self.program.pk,
                                                     amount=10_000_000, received_on=self.today,
                                                     idempotency_key="matrix-budget", today=self.today)
            self._subsidy_guarantees = True
        run, _created = guarantee_services.subsidy_run_prepare(
            program_id=self.program.pk, period_start=add_months(month, -months_back), actor=self.teller,
            today=self.today)
        return run

    @cached_property
    def subsidy_run(self) -> SubsidyRun:
        """Month M's run, prepared: lines at the bank officer's bank and at another."""
        return self._subsidy_run(0)

    @cached_property
    def other_bank_subsidy_run(self) -> SubsidyRun:
        """Month M-1's run, prepared: lines at another bank only (the bank officer's 404)."""
        return self._subsidy_run(1)

    @cached_property
    def paid_subsidy_run(self) -> SubsidyRun:
        """Month M-2's run (another bank's lines only), approved and paid by the decider."""
        run = self._subsidy_run(2)
        guarantee_services.subsidy_run_approve(run_id=run.pk, actor=self.decider, today=self.today,
                                               idempotency_key="matrix-paid")
        run.refresh_from_db()
        return run

    @cached_property
    def unprepared_month(self) -> str:
        """M-3: a month no run covers yet."""
        from core.engines.schedules import add_months

        self.build("subsidy_run")
        return add_months(self.subsidy_month, -3).isoformat()
    # --- claims (대위변제): on guarantees defaulted 60 days ago, interest paid up to 90 days ago ---

    def _defaulted(self, enterprise: Any, bank: Institution) -> Guarantee:
        guarantee = make_guarantee(self.program, enterprise=enterprise, bank=bank, amount=10_000_000,
                                   start_on=self.today - timedelta(days=400))
        return set_defaulted(guarantee, defaulted_on=self.today - timedelta(days=60),
                             interest_paid_to=self.today - timedelta(days=90))

    def _claim(self, enterprise: Any, bank: Institution, state: str) -> Claim:
        """A claim of ``bank`` on a new defaulted guarantee of ``enterprise``, asked 30 days ago, prepared (by a
        manager none of the roles is) for payment 10 days ago, and paid."""
        dates = {"requested_on": self.today - timedelta(days=30), "today": self.today,
                 "officer": BankOfficerFactory(institution=bank)}
        guarantee = self._defaulted(enterprise, bank)
        if state == "requested":
            return request_claim(guarantee, **dates)
        if state == "prepared":
            return prepared_claim(guarantee, paid_on=self.today - timedelta(days=10), **dates)
        return paid_claim(guarantee, paid_on=self.today - timedelta(days=10), **dates)

    @cached_property
    def own_defaulted(self) -> Guarantee:
        return self._defaulted(self.own, self.bank)

    @cached_property
    def other_bank_defaulted(self) -> Guarantee:
        return self._defaulted(self.other, self.other_bank)

    @cached_property
    def own_claim_requested(self) -> Claim:
        return self._claim(self.own, self.bank, "requested")

    @cached_property
    def own_claim_prepared(self) -> Claim:
        return self._claim(self.own, self.bank, "prepared")

    @cached_property
    def own_claim_paid(self) -> Claim:
        return self._claim(self.own, self.bank, "paid")

    @cached_property
    def other_claim_paid(self) -> Claim:
        """Another enterprise's, at the bank officer's bank."""
        return self._claim(self.other, self.bank, "paid")

    @cached_property
    def other_bank_claim_paid(self) -> Claim:
        return self._claim(self.other, self.other_bank, "paid")

    @cached_property
    def own_write_off_pending(self) -> Claim:
        """A paid claim whose 구상채권's write-off the requester asked for."""
        claim = self._claim(self.own, self.bank, "paid")
        guarantee_services.recourse_write_off_request(actor=ManagerFactory(), claim_id=claim.pk, reason="회수 불능",
                                                      today=self.today)
        return claim

    @cached_property
    def own_approved_guarantee(self) -> Guarantee:
        """The member's enterprise's guarantee at the bank officer's bank, approved: the bank has not lent yet."""
        return make_guarantee(self.program, enterprise=self.own, bank=self.bank, amount=10_000_000, state="approved")

    @cached_property
    def other_bank_approved_guarantee(self) -> Guarantee:
        """Another enterprise's approved guarantee at another bank: the bank officer's 404."""
        return make_guarantee(self.program, enterprise=self.other, bank=self.other_bank, amount=5_000_000,
                              state="approved")

    def _guarantee_application(self, member: Any, state: str) -> GuaranteeApplication:
        """An application for 5,000,000 won at the program's partner bank, taken through the services to ``state``
        (recommended by the reviewer, who is none of the roles the matrix calls with)."""
        return make_guarantee_application(self.program, member=member, amount=5_000_000, state=state,
                                          recommender=self.reviewer, today=self.today)

    @cached_property
    def own_g_draft(self) -> GuaranteeApplication:
        return self._guarantee_application(self.member, "draft")

    @cached_property
    def own_g_submitted(self) -> GuaranteeApplication:
        return self._guarantee_application(self.member, "submitted")

    @cached_property
    def own_g_recommended(self) -> GuaranteeApplication:
        return self._guarantee_application(self.member, "recommended")

    @cached_property
    def other_g_draft(self) -> GuaranteeApplication:
        return self._guarantee_application(self.other_member, "draft")

    @cached_property
    def other_g_submitted(self) -> GuaranteeApplication:
        return self._guarantee_application(self.other_member, "submitted")
    # --- guarantee fees: the first year's bill of each guarantee above, billed today ---

    def _first_bill(self, guarantee: Guarantee) -> FeeBill:
        return guarantee_services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=self.today)

    @cached_property
    def own_fee_bill(self) -> FeeBill:
        return self._first_bill(self.own_guarantee)

    @cached_property
    def other_fee_bill(self) -> FeeBill:
        return self._first_bill(self.other_guarantee)

    @cached_property
    def other_bank_fee_bill(self) -> FeeBill:
        return self._first_bill(self.other_bank_guarantee)

    # --- social impact bonds (사회성과보상사업): Seoul-style contracts (tests.bonds.factories) whose provider is the
    # member's enterprise, whose evaluator institution is the matrix evaluator's and whose first investor is the
    # matrix investor's institution; ``other_bond`` has none of them. Their managers (kim prepares, lee signs and
    # approves) are none of the roles the matrix calls with, so any manager of the matrix may sign or approve.

    @cached_property
    def bond_evaluator_institution(self) -> Institution:
        institution = InstitutionFactory(kind=Institution.Kind.EVALUATOR)
        self.evaluator_user.institution = institution
        self.evaluator_user.save(update_fields=["institution"])
        return institution

    def _bond(self, code: str, *, mine: bool = True) -> bond_factories.BondWorld:
        if not mine:
            return bond_factories.make_world(code=code, interim_percent=30, provider=self.other)
        investors = [self.investor_user.institution,
                     *(InstitutionFactory(kind=Institution.Kind.INVESTOR) for _ in range(2))]
        return bond_factories.make_world(code=code, interim_percent=30, provider=self.own,
                                         evaluator_institution=self.bond_evaluator_institution, investors=investors)

    @cached_property
    def bond_draft_world(self) -> bond_factories.BondWorld:
        return self._bond("matrix-draft")

    @cached_property
    def bond_draft(self) -> Contract:
        return self.bond_draft_world.contract

    @cached_property
    def bond_draft_metric(self) -> Metric:
        assert self.bond_draft_world.cost is not None
        return self.bond_draft_world.cost

    @cached_property
    def bond_signed(self) -> Contract:
        world = self._bond("matrix-signed")
        bond_services.contract_sign(actor=world.lee, contract_id=world.contract.pk,
                                    signed_on=bond_factories.days_ago(80), today=self.today)
        return world.refresh()

    @cached_property
    def bond_called(self) -> Contract:
        """In service, a call made and not paid yet."""
        world = self._bond("matrix-called")
        bond_factories.sign_and_start(world)
        bond_services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount=1_110_000_000,
                                        call_on=bond_factories.days_ago(70), due_on=bond_factories.days_ago(60),
                                        idempotency_key="matrix-call", today=self.today)
        return world.contract

    @cached_property
    def bond_open_line(self) -> CapitalCallLine:
        return CapitalCallLine.objects.filter(call__contract=self.bond_called).order_by("pk").first()  # type: ignore

    @cached_property
    def bond_world(self) -> bond_factories.BondWorld:
        """In service, its capital paid in, its interim results confirmed."""
        world = self._bond("matrix-bond")
        bond_factories.sign_and_start(world)
        bond_factories.call_and_pay(world)
        bond_factories.record_and_confirm(world, world.interim, engaged=60, improved=31, beyond=4)
        return world

    @cached_property
    def bond(self) -> Contract:
        return self.bond_world.contract

    @cached_property
    def bond_metric(self) -> Metric:
        assert self.bond_world.cost is not None
        return self.bond_world.cost

    @cached_property
    def bond_result_confirmed(self) -> Result:
        return Result.objects.get(metric=self.bond_metric, point=self.bond_world.interim)

    @cached_property
    def bond_result_recorded(self) -> Result:
        """The final result of the contract's first metric, recorded by one of its evaluators (not the matrix's)."""
        world = self.bond_world
        assert world.final is not None
        return bond_services.result_record(actor=world.evaluators[0], metric_id=self.bond_metric.pk,
                                           point_id=world.final.pk, engaged=74, with_outcome=39)

    @cached_property
    def bond_payment_prepared(self) -> OutcomePayment:
        """The interim payment (30 % of what the interim results earn), prepared by kim."""
        world = self.bond_world
        assert world.interim is not None
        return bond_services.outcome_payment_prepare(actor=world.kim, point_id=world.interim.pk,
                                                     paid_on=bond_factories.days_ago(35), today=self.today)

    @cached_property
    def bond_payment(self) -> OutcomePayment:
        payment = self.bond_payment_prepared
        paid, _new = bond_services.outcome_payment_approve(actor=self.bond_world.lee, payment_id=payment.pk,
                                                           idempotency_key="matrix-approve", today=self.today)
        return paid

    @cached_property
    def bond_distribution(self) -> Distribution:
        distribution, _new = bond_services.distribution_make(
            actor=self.bond_world.lee, contract_id=self.bond.pk, amount=1_000_000, paid_on=self.yesterday,
            idempotency_key="matrix-distribution", today=self.today)
        return distribution

    @cached_property
    def other_bond_world(self) -> bond_factories.BondWorld:
        return self._bond("matrix-other", mine=False)

    @cached_property
    def other_bond(self) -> Contract:
        return self.other_bond_world.contract

    @cached_property
    def other_bond_metric(self) -> Metric:
        assert self.other_bond_world.cost is not None
        return self.other_bond_world.cost

    @cached_property
    def bond_city(self) -> Institution:
        return InstitutionFactory(kind=Institution.Kind.MUNICIPALITY)

    @cached_property
    def bond_operator(self) -> Institution:
        return InstitutionFactory(kind=Institution.Kind.INTERMEDIARY)

    @cached_property
    def bond_new_investor(self) -> Institution:
        return InstitutionFactory(kind=Institution.Kind.INVESTOR)

    @cached_property
    def audit_seq(self) -> int:
        """An event sealed into the chain (as the commit that recorded it would have sealed it): its place in it."""
        event = audit_record(actor=None, action=action_for_tests("enterprise.seed"), obj=self.own,
                             after={"name": self.own.name})
        audit_seal()
        event.refresh_from_db()
        assert event.seq is not None
        return event.seq

    @cached_property
    def period_start(self) -> str:
        return (self.today - timedelta(days=60)).isoformat()

    @cached_property
    def period_end(self) -> str:
        return self.yesterday.isoformat()

    def _ready_statement(self, loan: Any) -> Statement:
        """A loan statement as the renderer leaves it: ready, its file stored with its SHA-256 (the file is a stand-in:
        what is downloaded here is the stored bytes, whatever they are)."""
        content = f"%PDF-1.7\n% statement of loan {loan.pk} for the role matrix\n%%EOF\n".encode()
        digest = hashlib.sha256(content).hexdigest()
        statement = Statement(
            kind=Statement.Kind.LOAN, loan=loan, enterprise_id=loan.enterprise_id, fund=loan.fund,
            period_start=self.today - timedelta(days=60), period_end=self.yesterday, state=Statement.State.READY,
            requested_by=self.teller, generated_at=timezone.now(), filename=f"대출거래명세서_{loan.pk}.pdf",
            sha256=digest, data_sha256=digest, size=len(content), pages=1,
        )
        statement.file.save(f"matrix-{loan.pk}.pdf", ContentFile(content), save=False)
        statement.save()
        return statement

    @cached_property
    def own_statement(self) -> Statement:
        return self._ready_statement(self.own_loan)

    @cached_property
    def other_statement(self) -> Statement:
        return self._ready_statement(self.other_loan)

    @cached_property
    def own_statement_sha(self) -> str:
        return str(self.own_statement.sha256)

    def highest_id(self) -> int:
        seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        return max(super().highest_id(), seq)


Body = Callable[[World], dict[str, Any]]


def _period(w: World) -> dict[str, str]:
    return {"period_start": w.period_start, "period_end": w.period_end}


def _days(w: World, **days_on: int) -> dict[str, str]:
    """Dates that many days after today, by field."""
    return {name: (w.today + timedelta(days=days)).isoformat() for name, days in days_on.items()}


def _round_body(contest: int) -> dict[str, Any]:
    return {"contest": contest, "kind": "screening", "aggregation": "trimmed", "criteria": CRITERIA,
            "panels": [{"name": "전문가 심사단", "kind": "expert", "weight": "70"},
                       {"name": "시민 심사단", "kind": "citizen", "weight": "30"}]}


def _entry_body(w: World, contest: int, enterprise: int) -> dict[str, Any]:
    return {"contest": contest, "enterprise": enterprise, "title": "폐현수막 업사이클링 가방",
            "summary": "버려지는 현수막으로 가방을 만들어 판매합니다.", "use_of_funds": "재봉 설비 50 %, 홍보 50 %",
            "target_amount": "15000000", "campaign_type": "reward", "team": [{"name": "박대표", "role": "대표"}]}


BODIES: dict[str, Body] = {
    # kernel
    "enterprise": lambda w: enterprise_payload(business_number=valid_business_number("220816251")),
    "enterprise put": lambda w: enterprise_payload(name="새 이름", business_number=w.own.business_number_display),
    "enterprise patch": lambda w: {"district": "중구", "employees": 20},
    "institution": lambda w: institution_payload(),
    "signup": lambda w: {"email": "new.backer@example.kr", "password": "maple-river-7421", "display_name": "새 후원자"},
    # funds
    "fund": lambda w: {"code": "new-fund", "name": "중구 사회적경제기금", "operator": w.fund.operator_id,
                       "exposure_limit": "30000000", "eligible_kinds": ["social", "cooperative"]},
    "contribution": lambda w: {"source": "private", "amount": "1000000", "received_on": "2026-03-02",
                               "memo": "민간 매칭"},
    "product": lambda w: {"fund": w.fund.pk, "name": "창업 자금", "annual_rate": "0.02500", "term_months": 24,
                          "grace_months": 0, "method": "equal_principal", "min_amount": "1000000",
                          "max_amount": "30000000", "approval_tiers": [{"above_amount": "20000000", "approvers": 2}]},
    "quote": lambda w: {"principal": "10000000", "disbursed_on": "2026-03-31"},
    "application": lambda w: {"product": w.product.pk, "enterprise": w.own.pk, "amount": "10000000",
                              "purpose": "운영자금"},
    "application patch": lambda w: {"amount": "12000000", "purpose": "설비 구입"},
    "review": lambda w: {"decision": "recommend", "reason": "사업성 양호"},
    "approve": lambda w: {"reason": "승인"},
    "reject": lambda w: {"reason": "상환 계획 미흡"},
    "withdraw": lambda w: {"reason": "사정 변경"},
    "disburse": lambda w: {"disbursed_on": "2026-03-31"},
    "repay": lambda w: {"amount": "10000"},
    "reason": lambda w: {"reason": "부도 이체"},
    "write-off approve": lambda w: {"reason": "위원회 의결"},
    "write-off": lambda w: {"reason": "회수 불능: 폐업"},
    "recover": lambda w: {"amount": "100000", "memo": "경매 배당금"},
    # special guarantees
    "program": lambda w: {"code": "jung-2026", "name": "중구 2026 특례보증", "year": 2026,
                          "foundation": w.program.foundation_id, "partner_banks": [], "multiple": "12.00",
                          "per_firm_limit": "30000000", "guarantee_ratio": "1.00", "fee_rate": "0.00800",
                          "city_fee_rate": "0.00500", "eligible_kinds": ["social"], "opens_on": "2026-01-01",
                          "closes_on": "2026-12-31"},
    "program contribution": lambda w: {"source": "city", "amount": "1000000000", "received_on": "2026-01-15",
                                       "memo": "군 출연금"},
    "subsidy budget": lambda w: {"amount": "5000000", "received_on": w.today.isoformat(), "memo": "이차보전 예산"},
    "nothing": lambda w: {},
    "subsidy run prepare": lambda w: {"program": w.program.pk, "period_start": w.unprepared_month},
    # special guarantees: claims (대위변제) and recoveries
    "claim request": lambda w: {"guarantee": w.own_defaulted.pk, "principal": "10000000", "interest": "120000",
                                "costs": "50000", "requested_on": w.yesterday.isoformat()},
    "other bank claim request": lambda w: {"guarantee": w.other_bank_defaulted.pk, "principal": "10000000",
                                           "requested_on": w.yesterday.isoformat()},
    "claim prepare": lambda w: {"paid_on": w.yesterday.isoformat(), "costs": "0"},
    "claim approve": lambda w: {"reason": "서류 확인"},
    "claim reject": lambda w: {"reason": "서류 미비"},
    "claim recovery": lambda w: {"amount": "100000", "received_on": w.today.isoformat(), "memo": "경매 배당금"},
    "recourse write-off": lambda w: {"reason": "회수 불능: 폐업"},
    "recourse write-off approve": lambda w: {"reason": "위원회 의결"},
    "guarantee application": lambda w: {"program": w.program.pk, "enterprise": w.own.pk, "bank": w.bank.pk,
                                        "amount": "10000000", "term_months": 60, "repayment_method": "equal_principal",
                                        "grace_months": 12, "purpose": "운영자금"},
    "guarantee recommend": lambda w: {"decision": "recommend", "reason": "사업성 양호"},
    "guarantee execute": lambda w: {"loan_amount": "10000000", "loan_rate": "0.04500",
                                    "start_on": w.today.isoformat(), "bank_reference": "110-234-567890"},
    "guarantee balance": lambda w: {"on_date": w.today.isoformat(), "balance": "15000000"},
    "guarantee repay": lambda w: {"on_date": w.today.isoformat()},
    "guarantee default": lambda w: {"on_date": w.today.isoformat(), "balance": "15000000",
                                    "interest_paid_to": w.today.isoformat()},
    "guarantee cancel": lambda w: {"reason": "은행 대출 미실행"},
    "fee pay": lambda w: {"amount": "10000"},
    "city fee batch": lambda w: {"bill_ids": [w.own_fee_bill.pk], "paid_on": w.today.isoformat(),
                                 "memo": "보증료 지원금"},
    # statements
    "own loan statement": lambda w: {"kind": "loan", "subject": w.own_loan.pk, **_period(w)},
    "other loan statement": lambda w: {"kind": "loan", "subject": w.other_loan.pk, **_period(w)},
    "own enterprise statement": lambda w: {"kind": "enterprise", "subject": w.own.pk, **_period(w)},
    "fund statement": lambda w: {"kind": "fund", "subject": w.fund.pk, **_period(w)},
    "subsidy run statement": lambda w: {"kind": "subsidy_run", "subject": w.paid_subsidy_run.pk},
    # statements of the special guarantees: the program's (staff), a fee bill's receipt (its enterprise and staff)
    "program statement": lambda w: {"kind": "guarantee_program", "subject": w.program.pk, **_period(w)},
    "own fee receipt": lambda w: {"kind": "fee_receipt", "subject": w.own_fee_bill.pk},
    "other fee receipt": lambda w: {"kind": "fee_receipt", "subject": w.other_fee_bill.pk},
    "other bank fee receipt": lambda w: {"kind": "fee_receipt", "subject": w.other_bank_fee_bill.pk},
    "missing fee receipt": lambda w: {"kind": "fee_receipt", "subject": 987_654_321},
    "own guarantee enterprise statement": lambda w: {"kind": "enterprise", "subject": w.own_guarantee.enterprise_id,
                                                     **_period(w)},
    # crowdfunding contests
    "contest": lambda w: {"code": "matrix-2027", "name": "2027 소셜 크라우드펀딩 대회", "host": w.institution.pk,
                          "eligible_kinds": ["social", "pre_social"], "eligible_provinces": ["daegu"],
                          **_days(w, call_opens_on=1, call_closes_on=30, screening_ends_on=50, funding_ends_on=110,
                                  final_ends_on=130, awards_end_on=170),
                          "target_min": "1000000", "target_max": "30000000"},
    "contest partner": lambda w: {"institution": w.institution.pk, "pledged": "50000000"},
    "matching pool": lambda w: {"contest": w.funding_contest.pk, "name": "시민 매칭 펀드", "rule": "match",
                                "factor": "1", "cap_per_backer": "100000"},
    "pool change": lambda w: {"name": "시민 매칭 펀드 (1:2)", "factor": "2"},
    "pool funder": lambda w: {"institution": w.institution.pk, "committed": "5000000"},
    "payout": lambda w: {"paid_on": "2026-06-30"},
    "payout account": lambda w: {"bank": "088", "account_number": "110-123-456789", "holder": "동네 빵집 협동조합"},
    "return payout": lambda w: {"paid_on": timezone.localdate().isoformat()},
    "pool funding": lambda w: {"funder": w.pool_funder.pk, "amount": "1000000",
                               "received_on": timezone.localdate().isoformat()},
    "joint fund contribution": lambda w: {"partner": w.partner.pk, "amount": "10000000",
                                          "received_on": w.today.isoformat(), "memo": "1차 출연"},
    "award table": lambda w: {"tiers": [{**tier, "amount_min": str(tier["amount_min"]),
                                         "amount_max": str(tier["amount_max"])} for tier in AWARD_TABLE]},
    "entry": lambda w: _entry_body(w, w.contest.pk, w.own.pk),
    "other enterprise entry": lambda w: _entry_body(w, w.contest.pk, w.other.pk),
    "closed contest entry": lambda w: _entry_body(w, w.closed_contest.pk, w.own.pk),
    "entry patch": lambda w: {"title": "폐현수막 업사이클링 가방 (수정)", "target_amount": "20000000"},
    "award": lambda w: {"entry": w.own_selected.pk, "amount": "30000000", "tranches": ["20000000", "10000000"]},
    "award again": lambda w: {"entry": w.own_award.entry_id, "amount": "30000000"},
    "missing entry award": lambda w: {"entry": 987_654_321, "amount": "30000000"},
    "award cancel": lambda w: {"reason": "수상 요건 재검토"},
    "tranche pay": lambda w: {"paid_on": w.today.isoformat()},
    "spending": lambda w: {"amount": "1000000", "category": "materials", "description": "원재료 구입",
                           "spent_on": w.today.isoformat(), "evidence": evidence()},
    "tranche return": lambda w: {"returned_on": w.today.isoformat()},
    # crowdfunding: judging
    "round setup": lambda w: _round_body(w.unjudged_contest.pk),
    "open round setup": lambda w: _round_body(w.judged_contest),
    "round judges": lambda w: {"panel": w.setup_round.panels.get().pk, "judges": [w.new_judge.pk]},
    "closed round judges": lambda w: {"panel": w.closed_round.panels.get().pk, "judges": [w.new_judge.pk]},
    "score": lambda w: {"marks": MARKS_80, "comment": "지역 연계가 뚜렷함"},
    "conflict": lambda w: {"reason": "추천기관 소속"},
    "advance prepare": lambda w: {"round": w.closed_round.pk, "top_n": 1},
    "listed round prepare": lambda w: {"round": w.prepared_list.round_id, "top_n": 1},
    "advance cancel": lambda w: {"reason": "점수 재검토"},
    "campaign create": lambda w: {
        "entry": w.own_advanced_entry.pk, "title": "폐현수막 가방", "mode": "aon", "target": "5000000",
        "starts_on": (w.own_advanced_entry.contest.screening_ends_on + timedelta(days=1)).isoformat(),
        "ends_on": (w.own_advanced_entry.contest.screening_ends_on + timedelta(days=30)).isoformat()},
    "campaign update": lambda w: {"title": "폐현수막 업사이클링 가방", "target": "6000000"},
    "reward": lambda w: {"title": "가방", "price": "30000", "stock": 20},
    "pledge": lambda w: {"amount": "10000", "reward": None, "payment": {"auth_key": "a", "customer_key": "c"}},
    "webhook": lambda w: {"eventId": "evt-1", "eventType": "PAYMENT_STATUS_CHANGED", "data": {}},
    # social impact bonds
    "bond": lambda w: {"code": "matrix-new", "name": "경기도 해봄 사업", "outcome_payer": w.bond_city.pk,
                       "operator": w.bond_operator.pk, "provider": w.own.pk,
                       "evaluator": w.bond_evaluator_institution.pk, "service_starts_on": w.today.isoformat(),
                       "service_ends_on": (w.today + timedelta(days=730)).isoformat(), "max_payment": "1550000000"},
    "bond patch": lambda w: {"name": "서울시 제1호 사회성과보상사업 (수정)"},
    "bond sign": lambda w: {"signed_on": bond_factories.days_ago(80).isoformat()},
    "bond start": lambda w: {"started_on": bond_factories.days_ago(70).isoformat()},
    "bond evaluate": lambda w: {"on_date": bond_factories.days_ago(20).isoformat()},
    "bond close": lambda w: {"closed_on": w.today.isoformat()},
    "bond investment": lambda w: {"investor": w.bond_new_investor.pk, "commitment": "100000000"},
    "bond point": lambda w: {"kind": "interim", "name": "2차 중간 평가",
                             "on_date": bond_factories.days_ago(30).isoformat()},
    "bond call": lambda w: {"amount": "100000000", "call_on": bond_factories.days_ago(70).isoformat(),
                            "due_on": bond_factories.days_ago(60).isoformat()},
    "bond line paid": lambda w: {"paid_on": bond_factories.days_ago(65).isoformat()},
    "bond disbursement": lambda w: {"amount": "1000000", "paid_on": w.yesterday.isoformat()},
    "bond metric": lambda w: {"contract": w.bond_draft.pk, "code": "matrix-metric", "definition": "탈수급",
                              "unit": "명", "target_population": "수급자", "targeted_number": 100, "target": "20",
                              "validation_method": "historical", "data_source": "사회보장정보원"},
    "bond term": lambda w: {"kind": "rate_card", "price": "1000000", "max_units": 10},
    "bond result": lambda w: {"metric": w.bond_metric.pk, "point": w.bond_world.final.pk, "engaged": 74,
                              "with_outcome": 39, "evidence": evidence()},
    "bond reopen": lambda w: {"reason": "중복 집계 이의"},
    "bond payment": lambda w: {"point": w.bond_world.interim.pk,
                               "paid_on": bond_factories.days_ago(35).isoformat()},
    "bond distribution": lambda w: {"contract": w.bond.pk, "amount": "1000000", "paid_on": w.yesterday.isoformat()},
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    action: str | None  # "table:action"; None: an operation the API does not have, or a route outside the tables
    ok: int  # what a caller the table lets in gets
    member: int | None = None  # what an enterprise member gets instead, when it differs
    bank: int | None = None  # what a bank officer (of the program's partner bank) gets instead, when it differs
    judge: int | None = None  # what a judge (on the panels of World.judged_round, closed_round) gets instead
    judge_error: str | None = None  # the judge's error code, when not its status's usual one
    backer: int | None = None  # what a backer (a citizen, no enterprise) gets instead, when it differs
    evaluator: int | None = None  # what an evaluator (of the bonds' evaluator institution) gets instead
    investor: int | None = None  # what an investor (of the bonds' first investor) gets instead
    body: str | None = None  # a name in BODIES
    key: bool = False  # sends an Idempotency-Key
    multipart: bool = False  # the body goes as multipart/form-data (an upload), not JSON
    public: bool = False  # outside the tables, open to anyone (signed in or not)


ENT, INST, AUDIT = "/api/v1/enterprises/", "/api/v1/institutions/", "/api/v1/audit-events/"
F, P, A, L = "/api/v1/funds/", "/api/v1/loan-products/", "/api/v1/loan-applications/", "/api/v1/loans/"
R, W, S = "/api/v1/repayments/", "/api/v1/write-offs/", "/api/v1/statements/"
GP, CL, FB = "/api/v1/guarantee-programs/", "/api/v1/guarantee-claims/", "/api/v1/fee-bills/"
GA, G = "/api/v1/guarantee-applications/", "/api/v1/guarantees/"
SR = "/api/v1/subsidy-runs/"
C, E = "/api/v1/contests/", "/api/v1/contest-entries/"
AW, TR = "/api/v1/contest-awards/", "/api/v1/award-tranches/"
RD, AL = "/api/v1/contest-rounds/", "/api/v1/advance-lists/"
MP = "/api/v1/matching-pools/"
CA, PL = "/api/v1/campaigns/", "/api/v1/pledges/"
SCREENING = "ranking/?round=screening"
PAYMENT_FILE = "payment-file/?format=csv&bank="
BD, BM, BR = "/api/v1/bonds/", "/api/v1/bond-metrics/", "/api/v1/bond-results/"
BP, BS = "/api/v1/bond-payments/", "/api/v1/bond-distributions/"
QUOTE = "fee-quote/?amount=20000000&start=2026-03-02&end=2027-03-02"
EXPORT = "journal-export/?start={period_start}&end={period_end}&file=csv"

# fmt: off
MATRIX: dict[str, Row] = {
    # --- outside the tables ---
    "api root":                  Row("GET",    "/api/v1/",                          None, 200),
    "openapi schema":            Row("GET",    "/api/schema/?format=json",          None, 200, public=True),
    "swagger ui":                Row("GET",    "/api/docs/",                        None, 200, public=True),
    "health":                    Row("GET",    "/healthz",                          None, 200, public=True),
    # A backer's own sign-up: anyone, signed in or not (a token sent along is not read).
    "signup":                    Row("POST",   "/api/v1/auth/signup/",              None, 201, body="signup",
                                     public=True),
    # --- the kernel ---
    "me":                        Row("GET",    "/api/v1/me/",                       "kernel:me.read", 200),
    # The backer fixture's address is verified already: nothing to send again (409 invalid_state).
    "resend verification":       Row("POST",   "/api/v1/auth/resend-verification/", "kernel:email.resend_verification",
                                     409),
    "enterprise list":           Row("GET",    ENT,                                 "kernel:enterprise.read", 200),
    "own enterprise":            Row("GET",    ENT + "{own}/",                      "kernel:enterprise.read", 200),
    "other enterprise":          Row("GET",    ENT + "{other}/",                    "kernel:enterprise.read", 200, 404),
    "missing enterprise":        Row("GET",    ENT + "{missing}/",                  "kernel:enterprise.read", 404),
    "enterprise create":         Row("POST",   ENT,                                 "kernel:enterprise.create", 201,
                                     body="enterprise"),
    "own patch":                 Row("PATCH",  ENT + "{own}/",                      "kernel:enterprise.update", 200,
                                     body="enterprise patch"),
    "own put":                   Row("PUT",    ENT + "{own}/",                      "kernel:enterprise.update", 200,
                                     body="enterprise put"),
    "other patch":               Row("PATCH",  ENT + "{other}/",                    "kernel:enterprise.update", 200,
                                     body="enterprise patch"),
    "missing patch":             Row("PATCH",  ENT + "{missing}/",                  "kernel:enterprise.update", 404,
                                     body="enterprise patch"),
    "enterprise delete":         Row("DELETE", ENT + "{own}/",                      None, 405),
    "institution list":          Row("GET",    INST,                                "kernel:institution.read", 200),
    "institution detail":        Row("GET",    INST + "{institution}/",             "kernel:institution.read", 200),
    "institution create":        Row("POST",   INST,                                "kernel:institution.create", 201,
                                     body="institution"),
    "institution patch":         Row("PATCH",  INST + "{institution}/",             None, 405, body="institution"),
    "institution delete":        Row("DELETE", INST + "{institution}/",             None, 405),
    "audit trail":               Row("GET",    AUDIT,                               "kernel:audit.read", 200),
    "audit event":               Row("GET",    AUDIT + "{audit_seq}/",              "kernel:audit.read", 200),
    "missing audit event":       Row("GET",    AUDIT + "{missing}/",                "kernel:audit.read", 404),
    "audit verify":              Row("GET",    AUDIT + "verify/",                   "kernel:audit.verify", 200),
    "audit write":               Row("POST",   AUDIT,                               None, 405),
    "audit delete":              Row("DELETE", AUDIT + "{audit_seq}/",              None, 405),
    # --- the revolving fund: funds, products, applications, loans ---
    "fund list":                 Row("GET",    F,                                   "funds:fund.read", 200),
    "fund summary":              Row("GET",    F + "{fund}/",                       "funds:fund.read", 200),
    "missing fund":              Row("GET",    F + "{missing}/",                    "funds:fund.read", 404),
    "fund create":               Row("POST",   F,                                   "funds:fund.create", 201,
                                     body="fund"),
    "fund delete":               Row("DELETE", F + "{fund}/",                       None, 405),
    "contribution list":         Row("GET",    F + "{fund}/contributions/",         "funds:contribution.read", 200),
    "contribution record":       Row("POST",   F + "{fund}/contributions/",         "funds:contribution.record", 201,
                                     body="contribution", key=True),
    "missing fund contrib.":     Row("POST",   F + "{missing}/contributions/",      "funds:contribution.record", 404,
                                     body="contribution", key=True),
    "product list":              Row("GET",    P,                                   "funds:product.read", 200),
    "product detail":            Row("GET",    P + "{product}/",                    "funds:product.read", 200),
    "missing product":           Row("GET",    P + "{missing}/",                    "funds:product.read", 404),
    "product create":            Row("POST",   P,                                   "funds:product.create", 201,
                                     body="product"),
    "quote":                     Row("POST",   P + "{product}/quote/",              "funds:product.quote", 200,
                                     body="quote"),
    "missing product quote":     Row("POST",   P + "{missing}/quote/",              "funds:product.quote", 404,
                                     body="quote"),
    "application list":          Row("GET",    A,                                   "funds:application.read", 200),
    "own application":           Row("GET",    A + "{own_draft}/",                  "funds:application.read", 200),
    "other application":         Row("GET",    A + "{other_draft}/",                "funds:application.read", 200,
                                     404),
    "missing application":       Row("GET",    A + "{missing}/",                    "funds:application.read", 404),
    "application create":        Row("POST",   A,                                   "funds:application.create", 201,
                                     body="application"),
    "own draft edit":            Row("PATCH",  A + "{own_draft}/",                  "funds:application.update", 200,
                                     body="application patch"),
    "other draft edit":          Row("PATCH",  A + "{other_draft}/",                "funds:application.update", 404,
                                     body="application patch"),
    "application put":           Row("PUT",    A + "{own_draft}/",                  None, 405, body="application"),
    "application delete":        Row("DELETE", A + "{own_draft}/",                  None, 405),
    "own submit":                Row("POST",   A + "{own_draft}/submit/",           "funds:application.submit", 200),
    "other submit":              Row("POST",   A + "{other_draft}/submit/",         "funds:application.submit", 404),
    "missing submit":            Row("POST",   A + "{missing}/submit/",             "funds:application.submit", 404),
    "own withdraw":              Row("POST",   A + "{own_submitted}/withdraw/",     "funds:application.withdraw", 200,
                                     body="withdraw"),
    "other withdraw":            Row("POST",   A + "{other_submitted}/withdraw/",   "funds:application.withdraw", 404,
                                     body="withdraw"),
    "review":                    Row("POST",   A + "{own_submitted}/review/",       "funds:application.review", 200,
                                     body="review"),
    "missing review":            Row("POST",   A + "{missing}/review/",             "funds:application.review", 404,
                                     body="review"),
    "approve":                   Row("POST",   A + "{own_recommended}/approve/",    "funds:application.approve", 200,
                                     body="approve"),
    "reject":                    Row("POST",   A + "{own_recommended}/reject/",     "funds:application.reject", 200,
                                     body="reject"),
    "loan list":                 Row("GET",    L,                                   "funds:loan.read", 200),
    "own loan":                  Row("GET",    L + "{own_approved_loan}/",          "funds:loan.read", 200),
    "other loan":                Row("GET",    L + "{other_approved_loan}/",        "funds:loan.read", 200, 404),
    "missing loan":              Row("GET",    L + "{missing}/",                    "funds:loan.read", 404),
    "own schedule":              Row("GET",    L + "{own_approved_loan}/schedule/", "funds:loan.read", 200),
    "other schedule":            Row("GET",    L + "{other_approved_loan}/schedule/", "funds:loan.read", 200, 404),
    "own disburse":              Row("POST",   L + "{own_approved_loan}/disburse/", "funds:loan.disburse", 200,
                                     body="disburse", key=True),
    "other disburse":            Row("POST",   L + "{other_approved_loan}/disburse/", "funds:loan.disburse", 200,
                                     body="disburse", key=True),
    "missing disburse":          Row("POST",   L + "{missing}/disburse/",           "funds:loan.disburse", 404,
                                     body="disburse", key=True),
    "loan delete":               Row("DELETE", L + "{own_approved_loan}/",          None, 405),
    # --- the revolving fund: servicing ---
    "own repayments":            Row("GET",    L + "{own_loan}/repayments/",        "funds:repayment.read", 200),
    "other repayments":          Row("GET",    L + "{other_loan}/repayments/",      "funds:repayment.read", 200, 404),
    "missing loan repayments":   Row("GET",    L + "{missing}/repayments/",         "funds:repayment.read", 404),
    "own repay":                 Row("POST",   L + "{own_loan}/repayments/",        "funds:repayment.make", 201,
                                     body="repay", key=True),
    "other repay":               Row("POST",   L + "{other_loan}/repayments/",      "funds:repayment.make", 201, 404,
                                     body="repay", key=True),
    "missing repay":             Row("POST",   L + "{missing}/repayments/",         "funds:repayment.make", 404,
                                     body="repay", key=True),
    "paid-off repay":            Row("POST",   L + "{own_paid_off}/repayments/",    "funds:repayment.make", 409,
                                     body="repay", key=True),
    "repayments put":            Row("PUT",    L + "{own_loan}/repayments/",        None, 405, body="repay", key=True),
    "own payoff":                Row("GET",    L + "{own_loan}/payoff/",            "funds:payoff.quote", 200),
    "other payoff":              Row("GET",    L + "{other_loan}/payoff/",          "funds:payoff.quote", 200, 404),
    "missing payoff":            Row("GET",    L + "{missing}/payoff/",             "funds:payoff.quote", 404),
    "written-off payoff":        Row("GET",    L + "{own_written_off}/payoff/",     "funds:payoff.quote", 409),
    "payoff post":               Row("POST",   L + "{own_loan}/payoff/",            None, 405),
    "own transactions":          Row("GET",    L + "{own_loan}/transactions/",      "funds:loan.read", 200),
    "other transactions":        Row("GET",    L + "{other_loan}/transactions/",    "funds:loan.read", 200, 404),
    "missing transactions":      Row("GET",    L + "{missing}/transactions/",       "funds:loan.read", 404),
    "own write-off":             Row("POST",   L + "{own_doomed}/write-off/",       "funds:write_off.request", 201,
                                     body="write-off"),
    "other write-off":           Row("POST",   L + "{other_doomed}/write-off/",     "funds:write_off.request", 201,
                                     body="write-off"),
    "sound loan write-off":      Row("POST",   L + "{own_loan}/write-off/",         "funds:write_off.request", 409,
                                     body="write-off"),
    "missing write-off":         Row("POST",   L + "{missing}/write-off/",          "funds:write_off.request", 404,
                                     body="write-off"),
    "write-off get":             Row("GET",    L + "{own_doomed}/write-off/",       None, 405),
    "own recoveries":            Row("GET",    L + "{own_written_off}/recoveries/", "funds:recovery.read", 200),
    "other recoveries":          Row("GET",    L + "{other_written_off}/recoveries/", "funds:recovery.read", 200,
                                     404),
    "missing recoveries":        Row("GET",    L + "{missing}/recoveries/",         "funds:recovery.read", 404),
    "own recover":               Row("POST",   L + "{own_written_off}/recoveries/", "funds:recovery.record", 201,
                                     body="recover", key=True),
    "other recover":             Row("POST",   L + "{other_written_off}/recoveries/", "funds:recovery.record", 201,
                                     body="recover", key=True),
    "missing recover":           Row("POST",   L + "{missing}/recoveries/",         "funds:recovery.record", 404,
                                     body="recover", key=True),
    "active loan recover":       Row("POST",   L + "{own_loan}/recoveries/",        "funds:recovery.record", 409,
                                     body="recover", key=True),
    "repayment list":            Row("GET",    R,                                   "funds:repayment.read", 200),
    "own repayment":             Row("GET",    R + "{own_repayment}/",              "funds:repayment.read", 200),
    "other repayment":           Row("GET",    R + "{other_repayment}/",            "funds:repayment.read", 200, 404),
    "missing repayment":         Row("GET",    R + "{missing}/",                    "funds:repayment.read", 404),
    "repayment create":          Row("POST",   R,                                   None, 405, body="repay"),
    "repayment delete":          Row("DELETE", R + "{own_repayment}/",              None, 405),
    "repayment patch":           Row("PATCH",  R + "{own_repayment}/",              None, 405, body="repay"),
    "own reverse":               Row("POST",   R + "{own_repayment}/reverse/",      "funds:repayment.reverse", 200,
                                     body="reason"),
    "other reverse":             Row("POST",   R + "{other_repayment}/reverse/",    "funds:repayment.reverse", 200,
                                     body="reason"),
    "missing reverse":           Row("POST",   R + "{missing}/reverse/",            "funds:repayment.reverse", 404,
                                     body="reason"),
    "earlier repayment reverse": Row("POST",   R + "{own_earlier_repayment}/reverse/", "funds:repayment.reverse",
                                     409, body="reason"),
    "write-off list":            Row("GET",    W,                                   "funds:write_off.read", 200),
    "pending write-off":         Row("GET",    W + "{pending_write_off}/",          "funds:write_off.read", 200),
    "approved write-off":        Row("GET",    W + "{approved_write_off}/",         "funds:write_off.read", 200),
    "missing write-off get":     Row("GET",    W + "{missing}/",                    "funds:write_off.read", 404),
    "write-off approve":         Row("POST",   W + "{pending_write_off}/approve/",  "funds:write_off.approve", 200,
                                     body="write-off approve"),
    "write-off reject":          Row("POST",   W + "{pending_write_off}/reject/",   "funds:write_off.reject", 200,
                                     body="reason"),
    "missing approve":           Row("POST",   W + "{missing}/approve/",            "funds:write_off.approve", 404,
                                     body="write-off approve"),
    "missing reject":            Row("POST",   W + "{missing}/reject/",             "funds:write_off.reject", 404,
                                     body="reason"),
    "decided approve":           Row("POST",   W + "{approved_write_off}/approve/", "funds:write_off.approve", 409,
                                     body="write-off approve"),
    "decided reject":            Row("POST",   W + "{approved_write_off}/reject/",  "funds:write_off.reject", 409,
                                     body="reason"),
    "write-off create":          Row("POST",   W,                                   None, 405, body="write-off"),
    "write-off delete":          Row("DELETE", W + "{pending_write_off}/",          None, 405),
    # --- special guarantees: programs and their contributions ---
    "program list":              Row("GET",    GP,                                  "guarantees:program.read", 200),
    "program position":          Row("GET",    GP + "{program}/",                   "guarantees:program.read", 200),
    "missing program":           Row("GET",    GP + "{missing}/",                   "guarantees:program.read", 404),
    "program create":            Row("POST",   GP,                                  "guarantees:program.create", 201,
                                     body="program"),
    "program delete":            Row("DELETE", GP + "{program}/",                   None, 405),
    "program contrib. list":     Row("GET",    GP + "{program}/contributions/",     "guarantees:contribution.read",
                                     200),
    "program contrib. record":   Row("POST",   GP + "{program}/contributions/",     "guarantees:contribution.record",
                                     201, body="program contribution", key=True),
    "missing program contrib.":  Row("POST",   GP + "{missing}/contributions/",     "guarantees:contribution.record",
                                     404, body="program contribution", key=True),
    # --- special guarantees: interest subsidies (이차보전): the budget, runs and each bank's payment file ---
    "subsidy budget list":       Row("GET",    GP + "{program}/subsidy-budget/",    "guarantees:subsidy.read", 200,
                                     bank=404),
    "missing subsidy budget":    Row("GET",    GP + "{missing}/subsidy-budget/",    "guarantees:subsidy.read", 404),
    "subsidy budget record":     Row("POST",   GP + "{program}/subsidy-budget/",    "guarantees:subsidy.budget", 201,
                                     body="subsidy budget", key=True),
    "missing subsidy budget rec.": Row("POST", GP + "{missing}/subsidy-budget/",    "guarantees:subsidy.budget", 404,
                                       body="subsidy budget", key=True),
    "subsidy budget delete":     Row("DELETE", GP + "{program}/subsidy-budget/",    None, 405),
    "subsidy run list":          Row("GET",    SR,                                  "guarantees:subsidy.read", 200),
    "subsidy run":               Row("GET",    SR + "{subsidy_run}/",               "guarantees:subsidy.read", 200),
    "other bank subsidy run":    Row("GET",    SR + "{other_bank_subsidy_run}/",    "guarantees:subsidy.read", 200,
                                     bank=404),
    "missing subsidy run":       Row("GET",    SR + "{missing}/",                   "guarantees:subsidy.read", 404),
    "subsidy run prepare":       Row("POST",   SR,                                  "guarantees:subsidy.prepare", 201,
                                     body="subsidy run prepare"),
    "subsidy run approve":       Row("POST",   SR + "{subsidy_run}/approve/",       "guarantees:subsidy.approve", 200,
                                     body="nothing", key=True),
    "paid subsidy run approve":  Row("POST",   SR + "{paid_subsidy_run}/approve/",  "guarantees:subsidy.approve", 409,
                                     body="nothing", key=True),
    "missing subsidy approve":   Row("POST",   SR + "{missing}/approve/",           "guarantees:subsidy.approve", 404,
                                     body="nothing", key=True),
    "subsidy run delete":        Row("DELETE", SR + "{subsidy_run}/",               None, 405),
    "subsidy run patch":         Row("PATCH",  SR + "{subsidy_run}/",               None, 405,
                                     body="subsidy run prepare"),
    "own bank payment file":     Row("GET",    SR + "{subsidy_run}/" + PAYMENT_FILE + "{bank}",
                                     "guarantees:subsidy.download", 200),
    "other bank payment file":   Row("GET",    SR + "{subsidy_run}/" + PAYMENT_FILE + "{other_bank}",
                                     "guarantees:subsidy.download", 200, bank=404),
    "other bank run file":       Row("GET",    SR + "{other_bank_subsidy_run}/" + PAYMENT_FILE + "{other_bank}",
                                     "guarantees:subsidy.download", 200, bank=404),
    "missing run payment file":  Row("GET",    SR + "{missing}/" + PAYMENT_FILE + "{bank}",
                                     "guarantees:subsidy.download", 404),
    # --- special guarantees: claims (대위변제), recoveries (구상) and write-offs of 구상채권 ---
    "claim list":                Row("GET",    CL,                                  "guarantees:claim.read", 200),
    "own claim":                 Row("GET",    CL + "{own_claim_paid}/",            "guarantees:claim.read", 200),
    "other claim":               Row("GET",    CL + "{other_claim_paid}/",          "guarantees:claim.read", 200, 404),
    "other bank claim":          Row("GET",    CL + "{other_bank_claim_paid}/",     "guarantees:claim.read", 200, 404,
                                     bank=404),
    "missing claim":             Row("GET",    CL + "{missing}/",                   "guarantees:claim.read", 404),
    "claim request":             Row("POST",   CL,                                  "guarantees:claim.request", 201,
                                     body="claim request"),
    "other bank claim request":  Row("POST",   CL,                                  "guarantees:claim.request", 404,
                                     body="other bank claim request"),
    "claim delete":              Row("DELETE", CL + "{own_claim_paid}/",            None, 405),
    "claim prepare":             Row("POST",   CL + "{own_claim_requested}/prepare/", "guarantees:claim.prepare", 200,
                                     body="claim prepare"),
    "paid claim prepare":        Row("POST",   CL + "{own_claim_paid}/prepare/",    "guarantees:claim.prepare", 409,
                                     body="claim prepare"),
    "missing claim prepare":     Row("POST",   CL + "{missing}/prepare/",           "guarantees:claim.prepare", 404,
                                     body="claim prepare"),
    "claim approve":             Row("POST",   CL + "{own_claim_prepared}/approve/", "guarantees:claim.approve", 200,
                                     body="claim approve", key=True),
    "requested claim approve":   Row("POST",   CL + "{own_claim_requested}/approve/", "guarantees:claim.approve", 409,
                                     body="claim approve", key=True),
    "missing claim approve":     Row("POST",   CL + "{missing}/approve/",           "guarantees:claim.approve", 404,
                                     body="claim approve", key=True),
    "claim reject":              Row("POST",   CL + "{own_claim_prepared}/reject/", "guarantees:claim.approve", 200,
                                     body="claim reject"),
    "paid claim reject":         Row("POST",   CL + "{own_claim_paid}/reject/",     "guarantees:claim.approve", 409,
                                     body="claim reject"),
    "own claim recoveries":      Row("GET",    CL + "{own_claim_paid}/recoveries/", "guarantees:claim.read", 200),
    "other bank recoveries":     Row("GET",    CL + "{other_bank_claim_paid}/recoveries/", "guarantees:claim.read",
                                     200, 404, bank=404),
    "claim recover":             Row("POST",   CL + "{own_claim_paid}/recoveries/", "guarantees:recovery.record", 201,
                                     body="claim recovery", key=True),
    "other bank claim recover":  Row("POST",   CL + "{other_bank_claim_paid}/recoveries/",
                                     "guarantees:recovery.record", 201, body="claim recovery", key=True),
    "requested claim recover":   Row("POST",   CL + "{own_claim_requested}/recoveries/",
                                     "guarantees:recovery.record", 409, body="claim recovery", key=True),
    "missing claim recover":     Row("POST",   CL + "{missing}/recoveries/",        "guarantees:recovery.record", 404,
                                     body="claim recovery", key=True),
    "recourse write-off":        Row("POST",   CL + "{own_claim_paid}/write-off/",  "guarantees:recourse.write_off",
                                     201, body="recourse write-off"),
    "requested claim write-off": Row("POST",   CL + "{own_claim_requested}/write-off/",
                                     "guarantees:recourse.write_off", 409, body="recourse write-off"),
    "recourse write-off ok":     Row("POST",   CL + "{own_write_off_pending}/write-off/approve/",
                                     "guarantees:recourse.write_off", 200, body="recourse write-off approve"),
    "unasked write-off approve": Row("POST",   CL + "{own_claim_paid}/write-off/approve/",
                                     "guarantees:recourse.write_off", 409, body="recourse write-off approve"),
    "missing write-off approve": Row("POST",   CL + "{missing}/write-off/approve/", "guarantees:recourse.write_off",
                                     404, body="recourse write-off approve"),
    # --- special guarantees: applications (보증 신청) ---
    "g. application list":       Row("GET",    GA,                                  "guarantees:application.read", 200),
    "own g. application":        Row("GET",    GA + "{own_g_draft}/",               "guarantees:application.read", 200),
    "other g. application":      Row("GET",    GA + "{other_g_draft}/",             "guarantees:application.read", 200,
                                     404),
    "missing g. application":    Row("GET",    GA + "{missing}/",                   "guarantees:application.read", 404),
    "g. application create":     Row("POST",   GA,                                  "guarantees:application.create",
                                     201, body="guarantee application"),
    "g. application put":        Row("PUT",    GA + "{own_g_draft}/",               None, 405,
                                     body="guarantee application"),
    "g. application patch":      Row("PATCH",  GA + "{own_g_draft}/",               None, 405,
                                     body="guarantee application"),
    "g. application delete":     Row("DELETE", GA + "{own_g_draft}/",               None, 405),
    "own g. submit":             Row("POST",   GA + "{own_g_draft}/submit/",        "guarantees:application.submit",
                                     200),
    "other g. submit":           Row("POST",   GA + "{other_g_draft}/submit/",      "guarantees:application.submit",
                                     404),
    "missing g. submit":         Row("POST",   GA + "{missing}/submit/",            "guarantees:application.submit",
                                     404),
    "own g. withdraw":           Row("POST",   GA + "{own_g_submitted}/withdraw/",  "guarantees:application.withdraw",
                                     200, body="withdraw"),
    "other g. withdraw":         Row("POST",   GA + "{other_g_submitted}/withdraw/", "guarantees:application.withdraw",
                                     404, body="withdraw"),
    "g. recommend":              Row("POST",   GA + "{own_g_submitted}/recommend/", "guarantees:application.recommend",
                                     200, body="guarantee recommend"),
    "other g. recommend":        Row("POST",   GA + "{other_g_submitted}/recommend/",
                                     "guarantees:application.recommend", 200, body="guarantee recommend"),
    "draft g. recommend":        Row("POST",   GA + "{own_g_draft}/recommend/",     "guarantees:application.recommend",
                                     409, body="guarantee recommend"),
    "missing g. recommend":      Row("POST",   GA + "{missing}/recommend/",         "guarantees:application.recommend",
                                     404, body="guarantee recommend"),
    "g. approve":                Row("POST",   GA + "{own_g_recommended}/approve/", "guarantees:application.approve",
                                     200, body="approve"),
    "draft g. approve":          Row("POST",   GA + "{own_g_draft}/approve/",       "guarantees:application.approve",
                                     409, body="approve"),
    "missing g. approve":        Row("POST",   GA + "{missing}/approve/",           "guarantees:application.approve",
                                     404, body="approve"),
    "g. reject":                 Row("POST",   GA + "{own_g_recommended}/reject/",  "guarantees:application.reject",
                                     200, body="reject"),
    "missing g. reject":         Row("POST",   GA + "{missing}/reject/",            "guarantees:application.reject",
                                     404, body="reject"),
    # --- special guarantees: guarantees and what their banks report ---
    "guarantee list":            Row("GET",    G,                                   "guarantees:guarantee.read", 200),
    "own guarantee":             Row("GET",    G + "{own_guarantee}/",              "guarantees:guarantee.read", 200),
    "other guarantee":           Row("GET",    G + "{other_guarantee}/",            "guarantees:guarantee.read", 200,
                                     404),
    "other bank guarantee":      Row("GET",    G + "{other_bank_guarantee}/",       "guarantees:guarantee.read", 200,
                                     404, bank=404),
    "missing guarantee":         Row("GET",    G + "{missing}/",                    "guarantees:guarantee.read", 404),
    "own balances":              Row("GET",    G + "{own_guarantee}/balances/",     "guarantees:guarantee.read", 200),
    "other bank balances":       Row("GET",    G + "{other_bank_guarantee}/balances/", "guarantees:guarantee.read",
                                     200, 404, bank=404),
    "guarantee create":          Row("POST",   G,                                   None, 405,
                                     body="guarantee execute"),
    "guarantee delete":          Row("DELETE", G + "{own_guarantee}/",              None, 405),
    "guarantee patch":           Row("PATCH",  G + "{own_guarantee}/",              None, 405,
                                     body="guarantee balance"),
    "own execute":               Row("POST",   G + "{own_approved_guarantee}/execute/", "guarantees:guarantee.execute",
                                     200, body="guarantee execute", key=True),
    "other bank execute":        Row("POST",   G + "{other_bank_approved_guarantee}/execute/",
                                     "guarantees:guarantee.execute", 404, body="guarantee execute", key=True),
    "active execute":            Row("POST",   G + "{own_guarantee}/execute/",      "guarantees:guarantee.execute",
                                     409, body="guarantee execute", key=True),
    "missing execute":           Row("POST",   G + "{missing}/execute/",            "guarantees:guarantee.execute",
                                     404, body="guarantee execute", key=True),
    "own report":                Row("POST",   G + "{own_guarantee}/balances/",     "guarantees:guarantee.report",
                                     201, body="guarantee balance", key=True),
    "other report":              Row("POST",   G + "{other_guarantee}/balances/",   "guarantees:guarantee.report",
                                     201, body="guarantee balance", key=True),
    "other bank report":         Row("POST",   G + "{other_bank_guarantee}/balances/", "guarantees:guarantee.report",
                                     404, body="guarantee balance", key=True),
    "approved report":           Row("POST",   G + "{own_approved_guarantee}/balances/", "guarantees:guarantee.report",
                                     409, body="guarantee balance", key=True),
    "own repay (bank)":          Row("POST",   G + "{own_guarantee}/repay/",        "guarantees:guarantee.repay", 200,
                                     body="guarantee repay", key=True),
    "other bank repay":          Row("POST",   G + "{other_bank_guarantee}/repay/", "guarantees:guarantee.repay", 404,
                                     body="guarantee repay", key=True),
    "missing g. repay":          Row("POST",   G + "{missing}/repay/",              "guarantees:guarantee.repay", 404,
                                     body="guarantee repay", key=True),
    "own default":               Row("POST",   G + "{own_guarantee}/default/",      "guarantees:guarantee.default",
                                     200, body="guarantee default", key=True),
    "other bank default":        Row("POST",   G + "{other_bank_guarantee}/default/", "guarantees:guarantee.default",
                                     404, body="guarantee default", key=True),
    "approved default":          Row("POST",   G + "{own_approved_guarantee}/default/", "guarantees:guarantee.default",
                                     409, body="guarantee default", key=True),
    "own g. cancel":             Row("POST",   G + "{own_approved_guarantee}/cancel/", "guarantees:guarantee.cancel",
                                     200, body="guarantee cancel"),
    "other bank g. cancel":      Row("POST",   G + "{other_bank_approved_guarantee}/cancel/",
                                     "guarantees:guarantee.cancel", 200, body="guarantee cancel"),
    "active g. cancel":          Row("POST",   G + "{own_guarantee}/cancel/",       "guarantees:guarantee.cancel", 409,
                                     body="guarantee cancel"),
    "missing g. cancel":         Row("POST",   G + "{missing}/cancel/",             "guarantees:guarantee.cancel", 404,
                                     body="guarantee cancel"),
    # --- special guarantees: fees (보증료), their bills, the enterprise's payments, the city's batches ---
    "fee quote":                 Row("GET",    GP + "{program}/" + QUOTE,           "guarantees:fee.quote", 200),
    "missing program fee quote": Row("GET",    GP + "{missing}/" + QUOTE,           "guarantees:fee.quote", 404),
    "fee bill list":             Row("GET",    FB,                                  "guarantees:fee.read", 200),
    "own fee bill":              Row("GET",    FB + "{own_fee_bill}/",              "guarantees:fee.read", 200),
    "other fee bill":            Row("GET",    FB + "{other_fee_bill}/",            "guarantees:fee.read", 200, 404),
    "other bank fee bill":       Row("GET",    FB + "{other_bank_fee_bill}/",       "guarantees:fee.read", 200, 404,
                                     bank=404),
    "missing fee bill":          Row("GET",    FB + "{missing}/",                   "guarantees:fee.read", 404),
    "own fee bill pay":          Row("POST",   FB + "{own_fee_bill}/pay/",          "guarantees:fee.pay", 201,
                                     body="fee pay", key=True),
    "other fee bill pay":        Row("POST",   FB + "{other_fee_bill}/pay/",        "guarantees:fee.pay", 201, 404,
                                     body="fee pay", key=True),
    "missing fee bill pay":      Row("POST",   FB + "{missing}/pay/",               "guarantees:fee.pay", 404,
                                     body="fee pay", key=True),
    "fee bill create":           Row("POST",   FB,                                  None, 405, body="fee pay"),
    "fee bill delete":           Row("DELETE", FB + "{own_fee_bill}/",              None, 405),
    "city fee batches":          Row("GET",    GP + "{program}/city-fee-payments/", "guarantees:program.read", 200),
    "missing city fee batches":  Row("GET",    GP + "{missing}/city-fee-payments/", "guarantees:program.read", 404),
    "city fee batch":            Row("POST",   GP + "{program}/city-fee-payments/", "guarantees:fee.city_pay", 201,
                                     body="city fee batch", key=True),
    "missing city fee batch":    Row("POST",   GP + "{missing}/city-fee-payments/", "guarantees:fee.city_pay", 404,
                                     body="city fee batch", key=True),
    # --- statements and exports ---
    "subsidy run statement":     Row("POST",   S,                                   "statements:statement.request",
                                     202, 404, body="subsidy run statement"),
    # --- statements of the special guarantees: the program statement is for staff (403 to members, whom the table
    # lets ask for statements); a fee receipt for its enterprise's members (another's is 404) and staff; bank
    # officers may ask for no statement at all (the table: 403) ---
    "program statement":         Row("POST",   S,                                   "statements:statement.request",
                                     202, 403, body="program statement"),
    "own fee receipt":           Row("POST",   S,                                   "statements:statement.request",
                                     202, body="own fee receipt"),
    "other fee receipt":         Row("POST",   S,                                   "statements:statement.request",
                                     202, 404, body="other fee receipt"),
    "other bank fee receipt":    Row("POST",   S,                                   "statements:statement.request",
                                     202, 404, body="other bank fee receipt"),
    "missing fee receipt":       Row("POST",   S,                                   "statements:statement.request",
                                     404, body="missing fee receipt"),
    "own guarantee statement":   Row("POST",   S,                                   "statements:statement.request",
                                     202, body="own guarantee enterprise statement"),
    "statement list":            Row("GET",    S,                                   "statements:statement.read", 200),
    "own statement":             Row("GET",    S + "{own_statement}/",              "statements:statement.read", 200),
    "other statement":           Row("GET",    S + "{other_statement}/",            "statements:statement.read", 200,
                                     404),
    "missing statement":         Row("GET",    S + "{missing}/",                    "statements:statement.read", 404),
    "own loan statement":        Row("POST",   S,                                   "statements:statement.request",
                                     202, body="own loan statement"),
    "other loan statement":      Row("POST",   S,                                   "statements:statement.request",
                                     202, 404, body="other loan statement"),
    "own enterprise statement":  Row("POST",   S,                                   "statements:statement.request",
                                     202, body="own enterprise statement"),
    "fund statement":            Row("POST",   S,                                   "statements:statement.request",
                                     202, 403, body="fund statement"),
    "own statement pdf":         Row("GET",    S + "{own_statement}/pdf/",          "statements:statement.download",
                                     200),
    "other statement pdf":       Row("GET",    S + "{other_statement}/pdf/",        "statements:statement.download",
                                     200, 404),
    "missing statement pdf":     Row("GET",    S + "{missing}/pdf/",                "statements:statement.download",
                                     404),
    "statement verify":          Row("GET",    S + "verify/?sha256={own_statement_sha}", "statements:statement.verify",
                                     200),
    "statement delete":          Row("DELETE", S + "{own_statement}/",              None, 405),
    "download log":              Row("GET",    "/api/v1/statement-downloads/",      "statements:download_log.read",
                                     200),
    "journal export":            Row("GET",    F + "{fund}/" + EXPORT,              "statements:journal.export", 200),
    "missing fund export":       Row("GET",    F + "{missing}/" + EXPORT,           "statements:journal.export", 404),
    # --- crowdfunding contests: matching pools (매칭 펀드) and the quadratic preview ---
    "pool list":                 Row("GET",    MP,                                  "crowdfunding:pool.read", 200),
    "pool":                      Row("GET",    MP + "{matching_pool}/",             "crowdfunding:pool.read", 200),
    "missing pool":              Row("GET",    MP + "{missing}/",                   "crowdfunding:pool.read", 404),
    "pool create":               Row("POST",   MP,                                  "crowdfunding:pool.write", 201,
                                     body="matching pool"),
    "pool patch":                Row("PATCH",  MP + "{matching_pool}/",             "crowdfunding:pool.write", 200,
                                     body="pool change"),
    "pool put":                  Row("PUT",    MP + "{matching_pool}/",             None, 405, body="pool change"),
    "pool delete":               Row("DELETE", MP + "{matching_pool}/",             None, 405),
    "pool funder add":           Row("POST",   MP + "{matching_pool}/funders/",     "crowdfunding:pool.fund", 201,
                                     body="pool funder"),
    "pool funding":              Row("POST",   MP + "{matching_pool}/fundings/",    "crowdfunding:pool.fund", 201,
                                     body="pool funding", key=True),
    # Campaign settlements (캠페인 정산): staff read all, members their own (another's: 404); managers record payouts
    "settlements":               Row("GET",    "/api/v1/campaign-settlements/",
                                     "crowdfunding:settlement.read", 200),
    "own settlement":            Row("GET",    "/api/v1/campaign-settlements/{own_settlement}/",
                                     "crowdfunding:settlement.read", 200),
    "other settlement":          Row("GET",    "/api/v1/campaign-settlements/{other_settlement}/",
                                     "crowdfunding:settlement.read", 200, 404),
    "settlement payout":         Row("POST",   "/api/v1/campaign-settlements/{other_settlement}/payout/",
                                     "crowdfunding:settlement.payout", 200, body="payout", key=True),
    "payout file":               Row("GET",    C + "{settled_contest}/payout-file/?format=csv",
                                     "crowdfunding:payout.download", 200),
    # An enterprise's payout account (정산 계좌): staff and its members read it, its members and managers set it
    # (another enterprise's: 404 to a member)
    "own payout account":        Row("GET",    ENT + "{own}/payout-account/",       "crowdfunding:payout_account.read",
                                     200),
    "other payout account":      Row("GET",    ENT + "{other}/payout-account/",     "crowdfunding:payout_account.read",
                                     200, 404),
    "missing payout account":    Row("GET",    ENT + "{missing}/payout-account/",
                                     "crowdfunding:payout_account.read", 404),
    "own payout account set":    Row("PUT",    ENT + "{own}/payout-account/",       "crowdfunding:payout_account.write",
                                     200, body="payout account"),
    "other payout account set":  Row("PUT",    ENT + "{other}/payout-account/",     "crowdfunding:payout_account.write",
                                     200, 404, body="payout account"),
    "missing payout account set": Row("PUT",   ENT + "{missing}/payout-account/",
                                      "crowdfunding:payout_account.write", 404, body="payout account"),
    "payout account patch":      Row("PATCH",  ENT + "{own}/payout-account/",       None, 405, body="payout account"),
    "payout account delete":     Row("DELETE", ENT + "{own}/payout-account/",       None, 405),
    # Settling by hand what the nightly run settles, and a settled pool's return paid to its funder: managers
    "campaign settle":           Row("POST",   "/api/v1/campaigns/{closed_campaign}/settle/",
                                     "crowdfunding:campaign.settle", 200),
    "pool settle":               Row("POST",   MP + "{settleable_pool}/settle/",    "crowdfunding:pool.settle", 200),
    "pool returns":              Row("GET",    "/api/v1/pool-returns/",             "crowdfunding:pool.read", 200),
    "pool return":               Row("GET",    "/api/v1/pool-returns/{pool_return}/",
                                     "crowdfunding:pool.read", 200),
    "pool return payout":        Row("POST",   "/api/v1/pool-returns/{pool_return}/payout/",
                                     "crowdfunding:pool_return.payout", 200, body="return payout", key=True),
    "matching preview":          Row("GET",    C + "{funding_contest}/matching-preview/", "crowdfunding:preview.read",
                                     200),
    "missing matching preview":  Row("GET",    C + "{missing}/matching-preview/",   "crowdfunding:preview.read", 404),
    # --- crowdfunding contests (소셜 크라우드펀딩 대회): contests, their partners and joint fund ---
    "contest list":              Row("GET",    C,                                   "crowdfunding:contest.read", 200),
    "contest":                   Row("GET",    C + "{contest}/",                    "crowdfunding:contest.read", 200),
    "missing contest":           Row("GET",    C + "{missing}/",                    "crowdfunding:contest.read", 404),
    "contest create":            Row("POST",   C,                                   "crowdfunding:contest.create", 201,
                                     body="contest"),
    "contest put":               Row("PUT",    C + "{contest}/",                    None, 405, body="contest"),
    "contest patch":             Row("PATCH",  C + "{contest}/",                    None, 405, body="contest"),
    "contest delete":            Row("DELETE", C + "{contest}/",                    None, 405),
    "contest advance":           Row("POST",   C + "{draft_contest}/advance/",      "crowdfunding:contest.advance",
                                     200, body="nothing"),
    "closed contest advance":    Row("POST",   C + "{closed_contest}/advance/",     "crowdfunding:contest.advance",
                                     409, body="nothing"),
    "missing contest advance":   Row("POST",   C + "{missing}/advance/",            "crowdfunding:contest.advance",
                                     404, body="nothing"),
    "contest partners":          Row("GET",    C + "{contest}/partners/",           "crowdfunding:fund.read", 200),
    "missing contest partners":  Row("GET",    C + "{missing}/partners/",           "crowdfunding:fund.read", 404),
    "partner add":               Row("POST",   C + "{contest}/partners/",           "crowdfunding:contest.partner",
                                     201, body="contest partner"),
    "closed contest partner":    Row("POST",   C + "{closed_contest}/partners/",    "crowdfunding:contest.partner",
                                     409, body="contest partner"),
    "joint fund contributions":  Row("GET",    C + "{contest}/contributions/",      "crowdfunding:fund.read", 200),
    "joint fund contribute":     Row("POST",   C + "{contest}/contributions/", "crowdfunding:contest.contribution",
                                     201, body="joint fund contribution", key=True),
    "missing contest contrib.":  Row("POST",   C + "{missing}/contributions/", "crowdfunding:contest.contribution",
                                     404, body="joint fund contribution", key=True),
    "award table":               Row("GET",    C + "{contest}/award-table/",        "crowdfunding:contest.read", 200),
    "missing award table":       Row("GET",    C + "{missing}/award-table/",        "crowdfunding:contest.read", 404),
    "award table set":           Row("PUT",    C + "{contest}/award-table/",        "crowdfunding:award.table", 200,
                                     body="award table"),
    "fixed award table set":     Row("PUT",    C + "{own_award_contest}/award-table/", "crowdfunding:award.table",
                                     409, body="award table"),
    "missing award table set":   Row("PUT",    C + "{missing}/award-table/",        "crowdfunding:award.table", 404,
                                     body="award table"),
    # --- crowdfunding: entries (참가 신청); a judge reads only the entries of the round it judges ---
    "entry list":                Row("GET",    E,                                   "crowdfunding:entry.read", 200),
    "own entry":                 Row("GET",    E + "{own_entry_submitted}/",        "crowdfunding:entry.read", 200,
                                     judge=404),
    "other entry":               Row("GET",    E + "{other_entry_submitted}/",      "crowdfunding:entry.read", 200,
                                     404, judge=404),
    "judged entry":              Row("GET",    E + "{judged_entry}/",               "crowdfunding:entry.read", 200,
                                     404),
    "missing entry":             Row("GET",    E + "{missing}/",                    "crowdfunding:entry.read", 404),
    "entry create":              Row("POST",   E,                                   "crowdfunding:entry.create", 201,
                                     body="entry"),
    "other enterprise entry":    Row("POST",   E,                                   "crowdfunding:entry.create", 404,
                                     body="other enterprise entry"),
    "closed contest entry":      Row("POST",   E,                                   "crowdfunding:entry.create", 409,
                                     body="closed contest entry"),
    "entry put":                 Row("PUT",    E + "{own_entry_draft}/",            None, 405, body="entry"),
    "entry delete":              Row("DELETE", E + "{own_entry_draft}/",            None, 405),
    "own entry edit":            Row("PATCH",  E + "{own_entry_draft}/",            "crowdfunding:entry.update", 200,
                                     body="entry patch"),
    "other entry edit":          Row("PATCH",  E + "{other_entry_draft}/",          "crowdfunding:entry.update", 404,
                                     body="entry patch"),
    "missing entry edit":        Row("PATCH",  E + "{missing}/",                    "crowdfunding:entry.update", 404,
                                     body="entry patch"),
    "own entry submit":          Row("POST",   E + "{own_entry_draft}/submit/",     "crowdfunding:entry.submit", 200),
    "submitted entry submit":    Row("POST",   E + "{own_entry_submitted}/submit/", "crowdfunding:entry.submit", 409),
    "other entry submit":        Row("POST",   E + "{other_entry_draft}/submit/",   "crowdfunding:entry.submit", 404),
    "own entry withdraw":        Row("POST",   E + "{own_entry_submitted}/withdraw/", "crowdfunding:entry.withdraw",
                                     200, body="withdraw"),
    "other entry withdraw":      Row("POST",   E + "{other_entry_submitted}/withdraw/",
                                     "crowdfunding:entry.withdraw", 404, body="withdraw"),
    "missing entry withdraw":    Row("POST",   E + "{missing}/withdraw/",           "crowdfunding:entry.withdraw", 404,
                                     body="withdraw"),
    # --- crowdfunding: awards (시상) out of the joint fund ---
    "award list":                Row("GET",    AW,                                  "crowdfunding:award.read", 200),
    "own award":                 Row("GET",    AW + "{own_award}/",                 "crowdfunding:award.read", 200),
    "other award":               Row("GET",    AW + "{other_award}/",               "crowdfunding:award.read", 200,
                                     404),
    "missing award":             Row("GET",    AW + "{missing}/",                   "crowdfunding:award.read", 404),
    "award prepare":             Row("POST",   AW,                                  "crowdfunding:award.prepare", 201,
                                     body="award"),
    "awarded entry prepare":     Row("POST",   AW,                                  "crowdfunding:award.prepare", 409,
                                     body="award again"),
    "missing entry prepare":     Row("POST",   AW,                                  "crowdfunding:award.prepare", 404,
                                     body="missing entry award"),
    "award put":                 Row("PUT",    AW + "{own_award}/",                 None, 405, body="award"),
    "award delete":              Row("DELETE", AW + "{own_award}/",                 None, 405),
    "award approve":             Row("POST",   AW + "{own_award_prepared}/approve/", "crowdfunding:award.approve",
                                     200, key=True),
    "approved award approve":    Row("POST",   AW + "{own_award}/approve/",         "crowdfunding:award.approve", 409,
                                     key=True),
    "missing award approve":     Row("POST",   AW + "{missing}/approve/",           "crowdfunding:award.approve", 404,
                                     key=True),
    "award cancel":              Row("POST",   AW + "{own_award_prepared}/cancel/", "crowdfunding:award.cancel", 200,
                                     body="award cancel"),
    "paid award cancel":         Row("POST",   AW + "{own_paid_award}/cancel/",     "crowdfunding:award.cancel", 409,
                                     body="award cancel"),
    "missing award cancel":      Row("POST",   AW + "{missing}/cancel/",            "crowdfunding:award.cancel", 404,
                                     body="award cancel"),
    # --- crowdfunding: award tranches, their spending reports (보조금 정산) and returns ---
    "own tranche":               Row("GET",    TR + "{own_tranche_planned}/",       "crowdfunding:award.read", 200),
    "other tranche":             Row("GET",    TR + "{other_tranche_paid}/",        "crowdfunding:award.read", 200,
                                     404),
    "missing tranche":           Row("GET",    TR + "{missing}/",                   "crowdfunding:award.read", 404),
    "tranche delete":            Row("DELETE", TR + "{own_tranche_planned}/",       None, 405),
    "tranche pay":               Row("POST",   TR + "{own_tranche_planned}/pay/",   "crowdfunding:tranche.pay", 200,
                                     body="tranche pay", key=True),
    "paid tranche pay":          Row("POST",   TR + "{own_tranche_paid}/pay/",      "crowdfunding:tranche.pay", 409,
                                     body="tranche pay", key=True),
    "missing tranche pay":       Row("POST",   TR + "{missing}/pay/",               "crowdfunding:tranche.pay", 404,
                                     body="tranche pay", key=True),
    "own spending":              Row("GET",    TR + "{own_tranche_paid}/spending/", "crowdfunding:award.read", 200),
    "other spending":            Row("GET",    TR + "{other_tranche_paid}/spending/", "crowdfunding:award.read",
                                     200, 404),
    "spending add":              Row("POST",   TR + "{own_tranche_paid}/spending/", "crowdfunding:tranche.spending",
                                     201, body="spending", multipart=True),
    "other spending add":        Row("POST",   TR + "{other_tranche_paid}/spending/", "crowdfunding:tranche.spending",
                                     404, body="spending", multipart=True),
    "reported spending add":     Row("POST",   TR + "{own_tranche_reported}/spending/",
                                     "crowdfunding:tranche.spending", 409, body="spending", multipart=True),
    "spending remove":           Row("DELETE", TR + "{own_tranche_paid}/spending/{own_spending_item}/",
                                     "crowdfunding:tranche.spending", 204),
    "other spending remove":     Row("DELETE", TR + "{other_tranche_paid}/spending/{other_spending_item}/",
                                     "crowdfunding:tranche.spending", 404),
    "missing spending remove":   Row("DELETE", TR + "{own_tranche_paid}/spending/{missing}/",
                                     "crowdfunding:tranche.spending", 404),
    "tranche report":            Row("POST",   TR + "{own_tranche_paid}/report/",   "crowdfunding:tranche.report",
                                     200),
    "other tranche report":      Row("POST",   TR + "{other_tranche_paid}/report/", "crowdfunding:tranche.report",
                                     404),
    "reported tranche report":   Row("POST",   TR + "{own_tranche_reported}/report/", "crowdfunding:tranche.report",
                                     409),
    "tranche settle":            Row("POST",   TR + "{own_tranche_reported}/settle/", "crowdfunding:tranche.settle",
                                     200, body="nothing"),
    "paid tranche settle":       Row("POST",   TR + "{own_tranche_paid}/settle/",   "crowdfunding:tranche.settle",
                                     409, body="nothing"),
    "missing tranche settle":    Row("POST",   TR + "{missing}/settle/",            "crowdfunding:tranche.settle",
                                     404, body="nothing"),
    "tranche return":            Row("POST",   TR + "{own_tranche_settled}/return/", "crowdfunding:tranche.return",
                                     200, body="tranche return", key=True),
    "reported tranche return":   Row("POST",   TR + "{own_tranche_reported}/return/", "crowdfunding:tranche.return",
                                     409, body="tranche return", key=True),
    # --- crowdfunding: judging rounds (심사); a judge reads only the rounds it sits on (another panel's: 404) ---
    "round list":                Row("GET",    RD,                                  "crowdfunding:round.read", 200),
    "judged round":              Row("GET",    RD + "{judged_round}/",              "crowdfunding:round.read", 200),
    "other panel round":         Row("GET",    RD + "{other_panel_round}/",         "crowdfunding:round.read", 200,
                                     judge=404),
    "missing round":             Row("GET",    RD + "{missing}/",                   "crowdfunding:round.read", 404),
    "round progress":            Row("GET",    RD + "{judged_round}/progress/",     "crowdfunding:round.read", 200),
    "other panel progress":      Row("GET",    RD + "{other_panel_round}/progress/", "crowdfunding:round.read", 200,
                                     judge=404),
    "round setup":               Row("POST",   RD,                                  "crowdfunding:round.setup", 201,
                                     body="round setup"),
    "open round setup":          Row("POST",   RD,                                  "crowdfunding:round.setup", 409,
                                     body="open round setup"),
    "round put":                 Row("PUT",    RD + "{judged_round}/",              None, 405, body="round setup"),
    "round delete":              Row("DELETE", RD + "{judged_round}/",              None, 405),
    "round judges":              Row("POST",   RD + "{setup_round}/judges/",        "crowdfunding:round.setup", 200,
                                     body="round judges"),
    "closed round judges":       Row("POST",   RD + "{closed_round}/judges/",       "crowdfunding:round.setup", 409,
                                     body="closed round judges"),
    "round open":                Row("POST",   RD + "{setup_round}/open/",          "crowdfunding:round.setup", 200),
    "open round open":           Row("POST",   RD + "{judged_round}/open/",         "crowdfunding:round.setup", 409),
    "missing round open":        Row("POST",   RD + "{missing}/open/",              "crowdfunding:round.setup", 404),
    "round close":               Row("POST",   RD + "{judged_round}/close/",        "crowdfunding:round.close", 200),
    "closed round close":        Row("POST",   RD + "{closed_round}/close/",        "crowdfunding:round.close", 409),
    "missing round close":       Row("POST",   RD + "{missing}/close/",             "crowdfunding:round.close", 404),
    # --- crowdfunding: scores (blind until the round closes), conflicts of interest, rankings, a judge's queue ---
    "judged entry scores":       Row("GET",    E + "{judged_entry}/scores/",        "crowdfunding:score.read", 200),
    "other panel scores":        Row("GET",    E + "{other_panel_entry}/scores/",   "crowdfunding:score.read", 200,
                                     judge=404),
    "missing entry scores":      Row("GET",    E + "{missing}/scores/",             "crowdfunding:score.read", 404),
    "score record":              Row("POST",   E + "{judged_entry}/scores/",        "crowdfunding:score.record", 201,
                                     body="score"),
    "other panel score":         Row("POST",   E + "{other_panel_entry}/scores/",   "crowdfunding:score.record", 404,
                                     body="score"),
    "closed round score":        Row("POST",   E + "{closed_round_entry}/scores/",  "crowdfunding:score.record", 409,
                                     body="score"),
    "recused score":             Row("POST",   E + "{recused_entry}/scores/",       "crowdfunding:score.record", 403,
                                     judge_error="recused", body="score"),
    "missing entry score":       Row("POST",   E + "{missing}/scores/",             "crowdfunding:score.record", 404,
                                     body="score"),
    "conflict declare":          Row("POST",   E + "{judged_entry}/conflict/",  "crowdfunding:conflict.declare", 201,
                                     body="conflict"),
    "other panel conflict":      Row("POST",   E + "{other_panel_entry}/conflict/", "crowdfunding:conflict.declare",
                                     404, body="conflict"),
    "closed round conflict":     Row("POST",   E + "{closed_round_entry}/conflict/", "crowdfunding:conflict.declare",
                                     409, body="conflict"),
    "closed round ranking":      Row("GET",    C + "{closed_contest_ranked}/" + SCREENING, "crowdfunding:ranking.read",
                                     200),
    "open round ranking":        Row("GET",    C + "{judged_contest}/" + SCREENING, "crowdfunding:ranking.read", 200,
                                     judge=403),
    "other panel ranking":       Row("GET",    C + "{other_panel_contest}/" + SCREENING, "crowdfunding:ranking.read",
                                     200, judge=404),
    "missing contest ranking":   Row("GET",    C + "{missing}/" + SCREENING,        "crowdfunding:ranking.read", 404),
    "judge queue":               Row("GET",    "/api/v1/judging/queue/",            "crowdfunding:score.record", 200),
    # --- crowdfunding: advance lists (진출 명단), prepared by one manager and confirmed by another ---
    "advance lists":             Row("GET",    AL,                                  "crowdfunding:advance.read", 200),
    "advance list":              Row("GET",    AL + "{prepared_list}/",             "crowdfunding:advance.read", 200),
    "missing advance list":      Row("GET",    AL + "{missing}/",                   "crowdfunding:advance.read", 404),
    "advance prepare":           Row("POST",   AL,                                  "crowdfunding:advance.prepare",
                                     201, body="advance prepare"),
    "listed round prepare":      Row("POST",   AL,                                  "crowdfunding:advance.prepare",
                                     409, body="listed round prepare"),
    "advance list put":          Row("PUT",    AL + "{prepared_list}/",             None, 405, body="advance prepare"),
    "advance list delete":       Row("DELETE", AL + "{prepared_list}/",             None, 405),
    "advance confirm":           Row("POST",   AL + "{prepared_list}/confirm/",     "crowdfunding:advance.confirm",
                                     200),
    "confirmed list confirm":    Row("POST",   AL + "{confirmed_list}/confirm/",    "crowdfunding:advance.confirm",
                                     409),
    "missing list confirm":      Row("POST",   AL + "{missing}/confirm/",           "crowdfunding:advance.confirm",
                                     404),
    "advance cancel":            Row("POST",   AL + "{prepared_list}/cancel/",      "crowdfunding:advance.prepare",
                                     200, body="advance cancel"),
    "confirmed list cancel":     Row("POST",   AL + "{confirmed_list}/cancel/",     "crowdfunding:advance.prepare",
                                     409, body="advance cancel"),
    # --- crowdfunding: campaigns (public reads: anyone, signed in or not), drafted and launched by the enterprise ---
    "campaigns":                 Row("GET",    CA,                                  "crowdfunding:campaign.read", 200),
    "campaign":                  Row("GET",    CA + "{live_campaign}/",             "crowdfunding:campaign.read", 200),
    "missing campaign":          Row("GET",    CA + "{missing}/",                   "crowdfunding:campaign.read", 404),
    "campaign create":           Row("POST",   CA,                                  "crowdfunding:campaign.create",
                                     201, body="campaign create"),
    "campaign update":           Row("PATCH",  CA + "{own_draft_campaign}/",        "crowdfunding:campaign.update",
                                     200, body="campaign update"),
    "other campaign update":     Row("PATCH",  CA + "{other_draft_campaign}/",      "crowdfunding:campaign.update",
                                     200, member=404, body="campaign update"),
    "campaign launch":           Row("POST",   CA + "{own_draft_campaign}/launch/", "crowdfunding:campaign.launch",
                                     200),
    "live campaign launch":      Row("POST",   CA + "{live_campaign}/launch/",      "crowdfunding:campaign.launch",
                                     409, member=404),
    "reward add":                Row("POST",   CA + "{own_draft_campaign}/rewards/", "crowdfunding:reward.write",
                                     201, body="reward"),
    "campaign delete":           Row("DELETE", CA + "{own_draft_campaign}/",        None, 405),
    # --- crowdfunding: pledges (their payment lives: tests/crowdfunding, tests/api/crowdfunding/test_pledges_api) ---
    "pledges":                   Row("GET",    PL,                                  "crowdfunding:pledge.read", 200),
    "missing pledge":            Row("GET",    PL + "{missing}/",                   "crowdfunding:pledge.read", 404),
    "missing campaign pledge":   Row("POST",   CA + "{missing}/pledges/",           "crowdfunding:pledge.create",
                                     404, body="pledge", key=True),
    "missing pledge cancel":     Row("POST",   PL + "{missing}/cancel/",            "crowdfunding:pledge.cancel",
                                     404),
    # --- social impact bonds (사회성과보상사업): the contracts of the member's enterprise, the evaluator's institution
    # and the investor's; another contract is 404 to each of them ---
    "bond list":                 Row("GET",    BD,                                  "bonds:contract.read", 200),
    "bond":                      Row("GET",    BD + "{bond}/",                      "bonds:contract.read", 200),
    "other bond":                Row("GET",    BD + "{other_bond}/",                "bonds:contract.read", 200, 404,
                                     evaluator=404, investor=404),
    "missing bond":              Row("GET",    BD + "{missing}/",                   "bonds:contract.read", 404),
    "bond create":               Row("POST",   BD,                                  "bonds:contract.create", 201,
                                     body="bond"),
    "bond patch":                Row("PATCH",  BD + "{bond_draft}/",                "bonds:contract.update", 200,
                                     body="bond patch"),
    "signed bond patch":         Row("PATCH",  BD + "{bond_signed}/",               "bonds:contract.update", 409,
                                     body="bond patch"),
    "bond put":                  Row("PUT",    BD + "{bond_draft}/",                None, 405, body="bond patch"),
    "bond delete":               Row("DELETE", BD + "{bond_draft}/",                None, 405),
    "bond sign":                 Row("POST",   BD + "{bond_draft}/sign/",           "bonds:contract.sign", 200,
                                     body="bond sign"),
    "signed bond sign":          Row("POST",   BD + "{bond_signed}/sign/",          "bonds:contract.sign", 409,
                                     body="bond sign"),
    "bond start":                Row("POST",   BD + "{bond_signed}/start/",         "bonds:contract.advance", 200,
                                     body="bond start"),
    "bond evaluate":             Row("POST",   BD + "{bond}/evaluate/",             "bonds:contract.advance", 200,
                                     body="bond evaluate"),
    "unsettled bond close":      Row("POST",   BD + "{bond}/close/",                "bonds:contract.advance", 409,
                                     body="bond close"),
    "bond investments":          Row("GET",    BD + "{bond}/investments/",          "bonds:investment.read", 200),
    "other bond investments":    Row("GET",    BD + "{other_bond}/investments/",    "bonds:investment.read", 200,
                                     investor=404),
    "bond investment add":       Row("POST",   BD + "{bond_draft}/investments/",    "bonds:contract.update", 201,
                                     body="bond investment"),
    "bond points":               Row("GET",    BD + "{bond}/points/",               "bonds:contract.read", 200),
    "bond point add":            Row("POST",   BD + "{bond_draft}/points/",         "bonds:contract.update", 201,
                                     body="bond point"),
    "bond capital calls":        Row("GET",    BD + "{bond}/capital-calls/",        "bonds:capital_call.read", 200),
    "bond capital call":         Row("POST",   BD + "{bond_signed}/capital-calls/", "bonds:capital_call.make", 201,
                                     body="bond call", key=True),
    "draft bond capital call":   Row("POST",   BD + "{bond_draft}/capital-calls/",  "bonds:capital_call.make", 409,
                                     body="bond call", key=True),
    "bond line paid":            Row("POST",   BD + "{bond_called}/capital-call-lines/{bond_open_line}/pay/",
                                     "bonds:capital_call.record", 200, body="bond line paid", key=True),
    "missing bond line paid":    Row("POST",   BD + "{bond_called}/capital-call-lines/{missing}/pay/",
                                     "bonds:capital_call.record", 404, body="bond line paid", key=True),
    "bond disbursements":        Row("GET",    BD + "{bond}/disbursements/",        "bonds:disbursement.read", 200),
    "other bond disbursements":  Row("GET",    BD + "{other_bond}/disbursements/",  "bonds:disbursement.read", 200,
                                     404),
    "bond disburse":             Row("POST",   BD + "{bond}/disbursements/",        "bonds:disbursement.make", 201,
                                     body="bond disbursement", key=True),
    "bond payment quote":        Row("GET",    BD + "{bond}/payment-quote/?metric={bond_metric}&engaged=74&achieved=39",
                                     "bonds:payment.quote", 200),
    "other bond payment quote":  Row("GET",    BD + "{other_bond}/payment-quote/?metric={other_bond_metric}&engaged=74"
                                     "&achieved=39", "bonds:payment.quote", 200, evaluator=404, investor=404),
    "bond indigo":               Row("GET",    BD + "{bond}/indigo/",               "bonds:contract.read", 200),
    "other bond indigo":         Row("GET",    BD + "{other_bond}/indigo/",         "bonds:contract.read", 200, 404,
                                     evaluator=404, investor=404),
    "bond metrics":              Row("GET",    BM,                                  "bonds:metric.read", 200),
    "bond metric":               Row("GET",    BM + "{bond_metric}/",               "bonds:metric.read", 200),
    "bond metric create":        Row("POST",   BM,                                  "bonds:contract.update", 201,
                                     body="bond metric"),
    "bond term set":             Row("PUT",    BM + "{bond_draft_metric}/term/",    "bonds:contract.update", 200,
                                     body="bond term"),
    "bond metric delete":        Row("DELETE", BM + "{bond_metric}/",               None, 405),
    "bond results":              Row("GET",    BR,                                  "bonds:result.read", 200),
    "bond result":               Row("GET",    BR + "{bond_result_confirmed}/",     "bonds:result.read", 200),
    "bond result record":        Row("POST",   BR,                                  "bonds:result.record", 201,
                                     body="bond result", multipart=True),
    "bond result confirm":       Row("POST",   BR + "{bond_result_recorded}/confirm/", "bonds:result.confirm", 200),
    "confirmed result confirm":  Row("POST",   BR + "{bond_result_confirmed}/confirm/", "bonds:result.confirm", 409),
    "bond result reopen":        Row("POST",   BR + "{bond_result_confirmed}/reopen/", "bonds:result.reopen", 200,
                                     body="bond reopen"),
    "bond result delete":        Row("DELETE", BR + "{bond_result_confirmed}/",     None, 405),
    "bond payments":             Row("GET",    BP,                                  "bonds:payment.read", 200),
    "bond payment":              Row("GET",    BP + "{bond_payment}/",              "bonds:payment.read", 200),
    "bond payment prepare":      Row("POST",   BP,                                  "bonds:payment.prepare", 201,
                                     body="bond payment"),
    "bond payment approve":      Row("POST",   BP + "{bond_payment_prepared}/approve/", "bonds:payment.approve", 200,
                                     key=True),
    "paid bond payment approve": Row("POST",   BP + "{bond_payment}/approve/",      "bonds:payment.approve", 409,
                                     key=True),
    "bond distributions":        Row("GET",    BS,                                  "bonds:distribution.read", 200),
    "bond distribution":         Row("GET",    BS + "{bond_distribution}/",         "bonds:distribution.read", 200),
    "bond distribute":           Row("POST",   BS,                                  "bonds:distribution.make", 201,
                                     body="bond distribution", key=True),
    # The provider's webhooks: anyone may send one; an unsigned one is refused (400) and writes nothing.
    "unsigned webhook":          Row("POST",   "/api/v1/payments/webhook/",         None, 400, body="webhook",
                                     public=True),
}
# fmt: on

# Actions that no API operation names (the staff pages call their services): each is tried here through its service,
# by every role, as the matrix tries the others through their URLs. An action the API names is tried there instead.
SERVICE_ONLY: dict[str, Callable[[Any], object]] = {
    "kernel:verification.run": lambda user: verification_request(actor=user, kind="ledger"),
}

# Requests that change nothing though they are not GETs.
READS = {"funds:product.quote"}
ERROR_CODES = {400: "validation_error", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
               405: "method_not_allowed",
               409: "invalid_state"}


def table_and_action(reference: str) -> tuple[Access, str]:
    table, action = reference.split(":")
    return TABLES[table], action


def role_may(role: str, reference: str) -> bool:
    """What the table says of a caller holding ``role`` (and no other)."""
    table, action = table_and_action(reference)
    held = ROLES[role]
    return table.anyone_signed_in(action) or (held is not None and held in table.roles(action))


def expected_status(row: Row, role: str) -> int:
    if row.action is None:
        return row.ok if (row.public or role != "anonymous") else 401
    if role == "anonymous":
        return row.ok if table_and_action(row.action)[0].public(table_and_action(row.action)[1]) else 401
    if not role_may(role, row.action):
        return 403
    if role == "bank_officer" and row.bank is not None:
        return row.bank
    if role == "judge" and row.judge is not None:
        return row.judge
    if role == "backer" and row.backer is not None:
        return row.backer
    if role == "evaluator" and row.evaluator is not None:
        return row.evaluator
    if role == "investor" and row.investor is not None:
        return row.investor
    if (role in ("backer", "investor") and row.action.startswith("statements:statement.")
            and not row.path.startswith(S + "verify/") and not (row.method == "GET" and row.path == S)):
        # A backer may ask for statements, but the only ones it may have are its own pledges' receipts (an investor:
        # its own institution's bond investor statements): every statement of the world is a stranger's (404), and a
        # kind members are refused outright it is refused too.
        return row.member if row.member == 403 else 404
    return row.member if (role == "member" and row.member is not None) else row.ok


CASES = [
    pytest.param(name, role, expected_status(row, role), id=f"{name}-{role}")
    for name, row in MATRIX.items()
    for role in ROLES
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Statements are stored under MEDIA_ROOT: a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(member, judge, evaluator, investor) -> World:
    made = World(member, judge)
    made.evaluator_user, made.investor_user = evaluator, investor
    return made


@pytest.fixture
def bank_officer(world) -> Any:
    """An officer of the program's partner bank (``World.bank``)."""
    return BankOfficerFactory(institution=world.bank)


def everything(world: World) -> dict[str, Any]:
    """All a request could write (the funds' world with the idempotency keys, the enterprises, institutions and
    memberships, the statements and the outbox), but the download log, which a download writes."""
    return {
        **funds_world_state(),
        "enterprises": sorted(Enterprise.objects.values_list("pk", "name", "district", "employees", "updated_at")),
        "institutions": Institution.objects.count(),
        "memberships": Membership.objects.count(),
        "statements": sorted(Statement.objects.values_list("pk", "state")),
        "outbox": OutboxMessage.objects.count(),
        "guarantee programs": GuaranteeProgram.objects.count(),
        "program contributions": ProgramContribution.objects.count(),
        "guarantee programs committed": sorted(GuaranteeProgram.objects.values_list("pk", "committed")),
        "guarantee applications": sorted(GuaranteeApplication.objects.values_list("pk", "state")),
        "guarantees": sorted(Guarantee.objects.values_list("pk", "state", "guaranteed", "balance")),
        "guarantee balances": GuaranteeBalance.objects.count(),
        "subsidy budget": SubsidyBudget.objects.count(),
        "subsidy runs": sorted(SubsidyRun.objects.values_list("pk", "state", "total", "journal_id")),
        "subsidy lines": SubsidyLine.objects.count(),
        "claims": sorted(Claim.objects.values_list("pk", "state", "amount", "recourse_principal")),
        "claim recoveries": Recovery.objects.count(),
        "recourse write-offs": sorted(RecourseWriteOff.objects.values_list("pk", "state")),
        "fee bills": sorted(FeeBill.objects.values_list("pk", "state", "firm_paid", "city_paid", "late_fee_charged")),
        "fee payments": FeePayment.objects.count(),
        "city fee batches": CityFeeBatch.objects.count(),
        "fee refunds": FeeRefund.objects.count(),
        **contests_state(),
        "payout accounts": sorted(PayoutAccount.objects.values_list("pk", "bank", "account_number", "holder")),
        "bonds": sorted(Contract.objects.values_list("pk", "state", "name", "called", "paid_in", "disbursed",
                                                     "outcome_paid", "distributed")),
        "bond rows": [model.objects.count() for model in (Investment, CapitalCall, Disbursement, Metric, PaymentTerm,
                                                          EvaluationPoint, Distribution)],
        "bond lines paid": CapitalCallLine.objects.filter(paid_on__isnull=False).count(),
        "bond results": sorted(Result.objects.values_list("pk", "state", "engaged", "with_outcome")),
        "bond payments": sorted(OutcomePayment.objects.values_list("pk", "state")),
    }


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_role_matrix(request, bearer_client, world, name, role, expected):
    row = MATRIX[name]
    user = None if role == "anonymous" else request.getfixturevalue(role)
    url = row.path.format(**world.ids(row.path))
    body = None if row.body is None else BODIES[row.body](world)
    headers = {"Idempotency-Key": f"matrix-{name}"} if row.key else {}
    world.build("own", "other")  # named in the 404 check below
    before, downloads = everything(world), StatementDownload.objects.count()

    if row.multipart:
        response = getattr(bearer_client(user), row.method.lower())(url, data=body, format="multipart",
                                                                     headers=headers)
    else:
        response = bearer_client(user).generic(
            # No body is an empty one (the test client would send the text "None").
            row.method, url, data="" if body is None else json.dumps(body), content_type="application/json",
            headers=headers,
        )

    assert response.status_code == expected, response.content[:400]
    if expected >= 400:
        code = row.judge_error if (role == "judge" and row.judge_error) else ERROR_CODES[expected]
        assert_error(response, expected, code)
        assert everything(world) == before, "a refused request wrote something"
        assert StatementDownload.objects.count() == downloads
        if expected == 404:
            assert world.other.name not in response.content.decode()
            assert world.own.name not in response.content.decode()
    elif row.action == "crowdfunding:payout.download":
        # The bank file is a read whose download is in the audit trail (who, which lines, its SHA-256): one event.
        after = everything(world)
        after["counts"]["AuditEvent"] -= 1
        assert after == before, "the payout file wrote more than its one audit event"
    elif row.method == "GET" or row.action in READS:
        assert everything(world) == before, "a read wrote something"
        downloaded = row.action == "statements:statement.download"
        assert StatementDownload.objects.count() == downloads + downloaded
    elif row.action is not None:
        # Sealed as the request's commit would have: sequence numbers are dense from 1 and follow the order the
        # events were written, so the new events are those numbered above the old count.
        audit_seal()
        new_events = AuditEvent.objects.filter(seq__gt=before["counts"]["AuditEvent"])
        assert new_events.exists(), "a successful change must be audited"
        assert {event.actor for event in new_events} == {user}


SERVICE_CASES = [pytest.param(action, role, id=f"{action}-{role}") for action in SERVICE_ONLY for role in ROLES]


@pytest.mark.parametrize(("reference", "role"), SERVICE_CASES)
def test_role_matrix_of_the_actions_without_an_api_operation(request, db, reference, role):
    user = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    counts = (AuditEvent.objects.count(), OutboxMessage.objects.count(), VerificationRun.objects.count())

    if role == "anonymous" or not role_may(role, reference):
        with pytest.raises(Forbidden):
            SERVICE_ONLY[reference](user)
        assert (AuditEvent.objects.count(), OutboxMessage.objects.count(), VerificationRun.objects.count()) == counts
        return
    SERVICE_ONLY[reference](user)  # its work for a worker is handed over at commit, which the test never reaches
    audit_seal()
    new_events = AuditEvent.objects.filter(seq__gt=counts[0])
    assert new_events.exists(), "a successful change must be audited"
    assert {event.actor for event in new_events} == {user}


# --- the matrix covers every action and every role; the API names the tables' actions, and only those -------------


def test_every_action_of_every_table_is_tried() -> None:
    tried = {row.action for row in MATRIX.values() if row.action is not None} | set(SERVICE_ONLY)
    declared = {f"{name}:{action}" for name, table in TABLES.items() for action in table}

    assert declared - tried == set(), "actions of the tables that no row of the matrix requests"
    assert tried - declared == set(), "rows naming actions that no table declares"


def test_every_role_there_is_is_tried() -> None:
    assert {role for role in ROLES.values() if role is not None} == set(Role)


def _api_operations() -> list[tuple[str, str, Any, str]]:
    """Every operation routed under /api/v1/: (path, method, view class, operation: its viewset action, or its
    method in lower case)."""
    operations = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if not path.startswith("/api/v1/"):
            continue
        actions = getattr(callback, "actions", None)
        operations.append((path, method, callback.cls, actions[method.lower()] if actions else method.lower()))
    return operations


PUBLIC_VIEWS = {"TokenObtainView", "TokenRefreshThrottledView", "APIRootView", "SignupView", "VerifyEmailView",
                "PaymentWebhookView"}


def test_every_operation_of_the_api_is_an_action_of_its_views_table() -> None:
    named: set[str] = set()
    operations = _api_operations()
    for path, method, view, operation in operations:
        if view.__name__ in PUBLIC_VIEWS:
            continue
        assert issubclass(view, AccessControlled), (path, method, view)
        action = view.access_actions.get(operation)
        assert action is not None, f"{view.__name__}.access_actions names no action for {operation} ({method} {path})"
        assert action in view.access, f"{view.access.name} has no action {action} ({method} {path})"
        table = next(name for name, t in TABLES.items() if t is view.access)
        named.add(f"{table}:{action}")
    declared = {f"{name}:{action}" for name, table in TABLES.items() for action in table}
    assert declared - named - set(SERVICE_ONLY) == set(), "actions of the tables that no operation of the API names"
    assert named & set(SERVICE_ONLY) == set(), "actions the API names are tried through it, in the matrix"
    assert len(operations) >= 50


# --- the tables keep the product's rules (DESIGN.md: People) -----------------------------------------------------

CHANGES_NOTHING = (".read", ".quote", ".verify", ".download", ".export")


def _all_actions() -> list[tuple[str, Access, str]]:
    return [(name, table, action) for name, table in TABLES.items() for action in table]


def test_the_auditor_reads_everything_and_changes_nothing() -> None:
    for name, table, action in _all_actions():
        # Asking for a statement to read, or for an integrity check to be run (it changes nothing but its own record).
        reads = action.endswith(CHANGES_NOTHING) or action in ("statement.request", "verification.run")
        assert (Role.AUDITOR in table.roles(action)) == reads, f"{name}:{action}"


# What judges do of their own (DESIGN.md: People, judges score contests): read the entries and rounds they judge,
# score, read scores, declare a conflict of interest, read a round's ranking. Nothing that decides or moves money.
JUDGES_OWN = {"crowdfunding:entry.read", "crowdfunding:round.read", "crowdfunding:score.record",
              "crowdfunding:score.read", "crowdfunding:conflict.declare", "crowdfunding:ranking.read"}


# What evaluators do of their own (the bonds' outcome evaluators, 성과평가기관): read the contracts their institution
# evaluates and their metrics, quote the terms, read, record, confirm and reopen results. Nothing that moves money.
EVALUATORS_OWN = {"bonds:contract.read", "bonds:metric.read", "bonds:payment.quote", "bonds:result.read",
                  "bonds:result.record", "bonds:result.confirm", "bonds:result.reopen"}


def test_judges_may_only_judge_and_evaluators_only_what_anyone_signed_in_may() -> None:
    declared = {f"{name}:{action}" for name, _table, action in _all_actions()}
    assert declared >= JUDGES_OWN | EVALUATORS_OWN, "the judges' and evaluators' own actions must be the tables'"
    for name, table, action in _all_actions():
        judges_own = f"{name}:{action}" in JUDGES_OWN
        assert (Role.JUDGE in table.roles(action)) == (table.anyone_signed_in(action) or judges_own), (
            f"{name}:{action} judge")
        evaluators_own = f"{name}:{action}" in EVALUATORS_OWN
        assert (Role.EVALUATOR in table.roles(action)) == (table.anyone_signed_in(action) or evaluators_own), (
            f"{name}:{action} evaluator")


def test_an_admin_may_do_whatever_a_fund_manager_may() -> None:
    for name, table, action in _all_actions():
        if Role.FUND_MANAGER in table.roles(action):
            assert Role.ADMIN in table.roles(action), f"{name}:{action}"


def test_what_changes_money_or_decides_is_never_open_to_anyone_signed_in() -> None:
    for name, table, action in _all_actions():
        if table.anyone_signed_in(action):
            assert action.endswith(CHANGES_NOTHING), f"{name}:{action}"
