"""The bonds pages' world: a Seoul-style contract (tests.bonds.factories.make_world, an interim share of 30 %)
signed and in service, its capital called and paid in, the interim results confirmed and the interim payment
prepared by Kim (Lee may approve it); a second draft contract prepared by Kim; the people of every role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bonds import services
from bonds.models import CapitalCallLine, Contract, OutcomePayment, Result
from enterprises.models import Institution, User
from tests.bonds.factories import (
    BondWorld,
    call_and_pay,
    days_ago,
    make_world,
    record_and_confirm,
    sign_and_start,
    today,
)
from tests.factories import AuditorFactory, InstitutionFactory, InvestorFactory, ManagerFactory, UserFactory
from tests.funds.factories import member_of


@dataclass
class PagesWorld:
    bond: BondWorld
    draft: Contract
    payment: OutcomePayment
    line: CapitalCallLine
    result: Result
    member: User
    other_member: User
    other_investor: User
    auditor: User
    manager: User
    nobody: User

    @classmethod
    def make(cls) -> PagesWorld:
        bond = make_world(interim_percent=30)
        sign_and_start(bond)
        call_and_pay(bond)
        services.disbursement_make(actor=bond.kim, contract_id=bond.contract.pk, amount=500_000_000,
                                   paid_on=days_ago(64), idempotency_key="d1", today=today())
        results = record_and_confirm(bond, bond.interim, engaged=60, improved=31, beyond=4)
        assert bond.interim is not None
        payment = services.outcome_payment_prepare(actor=bond.kim, point_id=bond.interim.pk, paid_on=days_ago(35),
                                                   today=today())
        draft = make_world(code="gyeonggi-sib").contract
        draft.prepared_by = bond.kim
        draft.save(update_fields=["prepared_by"])
        line = CapitalCallLine.objects.filter(call__contract=bond.contract).first()
        assert line is not None
        return cls(bond=bond, draft=draft, payment=payment, line=line, result=results[0],
                   member=member_of(bond.provider), other_member=member_of(),
                   other_investor=InvestorFactory(institution=InstitutionFactory(kind=Institution.Kind.INVESTOR)),
                   auditor=AuditorFactory(), manager=ManagerFactory(), nobody=UserFactory())

    @property
    def contract(self) -> Contract:
        return self.bond.contract

    def user(self, role: str) -> Any:
        b = self.bond
        return {"kim": b.kim, "lee": b.lee, "manager": self.manager, "auditor": self.auditor,
                "evaluator": b.evaluators[0], "evaluator2": b.evaluators[1], "other_evaluator": b.other_evaluator,
                "investor": b.investor_users[0], "other_investor": self.other_investor, "member": self.member,
                "other_member": self.other_member, "nobody": self.nobody}[role]
