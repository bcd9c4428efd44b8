"""The role matrix: every action of every access table, tried by every role, through the real URL with a real signed
JWT. One matrix for the whole API, read from the tables, so that an action cannot be added without being tried.

The tables (``enterprises.access``, ``funds.access``, ``guarantees.access``, ``statements.access``) say which roles
may do each action. A row here is one request: its action, and what a caller the table lets in gets (``ok``;
``member``, when an enterprise member gets something else: another enterprise's object is 404, never a hint that it
exists, and a service may refuse a member what the table lets members try, such as a fund statement). Every other
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
from core.audit import audit_record, audit_seal
from core.errors import Forbidden
from core.models import AuditEvent, OutboxMessage, VerificationRun
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
    FeeBill,
    FeePayment,
    FeeRefund,
    Guarantee,
    GuaranteeApplication,
    GuaranteeBalance,
    GuaranteeProgram,
    ProgramContribution,
)
from statements import access as statements_access
from statements.models import Statement, StatementDownload
from tests.audit_actions import action_for_tests
from tests.factories import BankOfficerFactory, InstitutionFactory
from tests.guarantees.factories import contribute, make_guarantee, make_program

from .funds.helpers import world_state as funds_world_state
from .funds.world import FundsWorld
from .helpers import assert_error, enterprise_payload, institution_payload, valid_business_number

TABLES: dict[str, Access] = {
    "kernel": kernel_access.ACCESS,
    "funds": funds_access.ACCESS,
    "guarantees": guarantees_access.ACCESS,
    "statements": statements_access.ACCESS,
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
}


class World(FundsWorld):
    """The funds' objects (``tests.api.funds.world``), and the kernel's and the statements' ones, each built the
    first time a request's path or body names it."""

    MODELS = (*FundsWorld.MODELS, Enterprise, Institution, Statement, GuaranteeProgram, ProgramContribution,
              GuaranteeApplication, Guarantee, GuaranteeBalance, FeeBill, FeePayment, CityFeeBatch, FeeRefund)

    @cached_property
    def institution(self) -> Institution:
        return InstitutionFactory()

    @cached_property
    def program(self) -> GuaranteeProgram:
        """A Dalseong-style program (12x, 30,000,000 won per firm), with 1,000,000,000 won paid in by the county."""
        program = make_program()
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


BODIES: dict[str, Body] = {
    # kernel
    "enterprise": lambda w: enterprise_payload(business_number=valid_business_number("220816251")),
    "enterprise put": lambda w: enterprise_payload(name="새 이름", business_number=w.own.business_number_display),
    "enterprise patch": lambda w: {"district": "중구", "employees": 20},
    "institution": lambda w: institution_payload(),
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
    "fee pay": lambda w: {"amount": "10000"},
    "city fee batch": lambda w: {"bill_ids": [w.own_fee_bill.pk], "paid_on": w.today.isoformat(),
                                 "memo": "보증료 지원금"},
    # statements
    "own loan statement": lambda w: {"kind": "loan", "subject": w.own_loan.pk, **_period(w)},
    "other loan statement": lambda w: {"kind": "loan", "subject": w.other_loan.pk, **_period(w)},
    "own enterprise statement": lambda w: {"kind": "enterprise", "subject": w.own.pk, **_period(w)},
    "fund statement": lambda w: {"kind": "fund", "subject": w.fund.pk, **_period(w)},
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    action: str | None  # "table:action"; None: an operation the API does not have, or a route outside the tables
    ok: int  # what a caller the table lets in gets
    member: int | None = None  # what an enterprise member gets instead, when it differs
    bank: int | None = None  # what a bank officer (of the program's partner bank) gets instead, when it differs
    body: str | None = None  # a name in BODIES
    key: bool = False  # sends an Idempotency-Key
    public: bool = False  # outside the tables, open to anyone (signed in or not)


ENT, INST, AUDIT = "/api/v1/enterprises/", "/api/v1/institutions/", "/api/v1/audit-events/"
F, P, A, L = "/api/v1/funds/", "/api/v1/loan-products/", "/api/v1/loan-applications/", "/api/v1/loans/"
R, W, S = "/api/v1/repayments/", "/api/v1/write-offs/", "/api/v1/statements/"
GP, FB = "/api/v1/guarantee-programs/", "/api/v1/fee-bills/"
QUOTE = "fee-quote/?amount=20000000&start=2026-03-02&end=2027-03-02"
EXPORT = "journal-export/?start={period_start}&end={period_end}&file=csv"

# fmt: off
MATRIX: dict[str, Row] = {
    # --- outside the tables ---
    "api root":                  Row("GET",    "/api/v1/",                          None, 200),
    "openapi schema":            Row("GET",    "/api/schema/?format=json",          None, 200, public=True),
    "swagger ui":                Row("GET",    "/api/docs/",                        None, 200, public=True),
    "health":                    Row("GET",    "/healthz",                          None, 200, public=True),
    # --- the kernel ---
    "me":                        Row("GET",    "/api/v1/me/",                       "kernel:me.read", 200),
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
}
# fmt: on

# Actions that no API operation names (the staff pages call their services): each is tried here through its service,
# by every role, as the matrix tries the others through their URLs. An action the API names is tried there instead.
SERVICE_ONLY: dict[str, Callable[[Any], object]] = {
    "kernel:verification.run": lambda user: verification_request(actor=user, kind="ledger"),
}

# The special guarantees' actions whose operations are still being built (issue 15 lands in steps): each step takes its
# actions out as it adds their rows above. Empty when the issue closes.
NOT_YET_BUILT = {f"guarantees:{action}" for action in (
    "application.read", "application.create", "application.submit", "application.withdraw",
    "application.recommend", "application.approve", "application.reject", "guarantee.read", "guarantee.execute",
    "guarantee.report", "guarantee.repay", "guarantee.default", "guarantee.cancel", "subsidy.read", "subsidy.budget",
    "subsidy.prepare", "subsidy.approve", "subsidy.download",
    "claim.read", "claim.request", "claim.prepare", "claim.approve", "recovery.record", "recourse.write_off",
)}

# Requests that change nothing though they are not GETs.
READS = {"funds:product.quote"}
ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
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
        return 401
    if not role_may(role, row.action):
        return 403
    if role == "bank_officer" and row.bank is not None:
        return row.bank
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
def world(member) -> World:
    return World(member)


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
        "fee bills": sorted(FeeBill.objects.values_list("pk", "state", "firm_paid", "city_paid", "late_fee_charged")),
        "fee payments": FeePayment.objects.count(),
        "city fee batches": CityFeeBatch.objects.count(),
        "fee refunds": FeeRefund.objects.count(),
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

    response = bearer_client(user).generic(
        row.method, url, data=None if body is None else json.dumps(body), content_type="application/json",
        headers=headers,
    )

    assert response.status_code == expected, response.content[:400]
    if expected >= 400:
        assert_error(response, expected, ERROR_CODES[expected])
        assert everything(world) == before, "a refused request wrote something"
        assert StatementDownload.objects.count() == downloads
        if expected == 404:
            assert world.other.name not in response.content.decode()
            assert world.own.name not in response.content.decode()
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
    declared = {f"{name}:{action}" for name, table in TABLES.items() for action in table} - NOT_YET_BUILT

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


PUBLIC_VIEWS = {"TokenObtainView", "TokenRefreshThrottledView", "APIRootView"}


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
    declared = {f"{name}:{action}" for name, table in TABLES.items() for action in table} - NOT_YET_BUILT
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


def test_judges_evaluators_and_users_without_a_role_may_only_what_anyone_signed_in_may() -> None:
    for name, table, action in _all_actions():
        for role in (Role.JUDGE, Role.EVALUATOR):
            assert (role in table.roles(action)) == table.anyone_signed_in(action), f"{name}:{action} {role}"


def test_an_admin_may_do_whatever_a_fund_manager_may() -> None:
    for name, table, action in _all_actions():
        if Role.FUND_MANAGER in table.roles(action):
            assert Role.ADMIN in table.roles(action), f"{name}:{action}"


def test_what_changes_money_or_decides_is_never_open_to_anyone_signed_in() -> None:
    for name, table, action in _all_actions():
        if table.anyone_signed_in(action):
            assert action.endswith(CHANGES_NOTHING), f"{name}:{action}"
