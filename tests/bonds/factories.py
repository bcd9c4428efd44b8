"""A Seoul SIB #1-style contract for the social impact bond tests (illustrative terms, as the engine's tests
reproduce the city's 10.3억 + 3.1억 from 39 of 74): three investors committing 5억, 3.6억 and 2.5억 (11.1억), a
budget cap of 15억, two metrics on the same children (the service cost: a stepwise table paying 100 % of
1,030,000,000 from the 42 % target; the incentive: 38,750,000 won per child improved beyond the 31 the target
implies, at most 10), an interim and a final evaluation point. Dates run back from today (money dates must be within
the back-dating window): signed 80 days ago, the service from 70 days ago, the interim evaluation 40 days ago, the
final 20 days ago."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bonds import services
from bonds.models import Contract, EvaluationPoint, Investment, Metric, Result
from enterprises.models import Enterprise, Institution, User
from tests.factories import (
    EnterpriseFactory,
    EvaluatorFactory,
    InstitutionFactory,
    InvestorFactory,
    ManagerFactory,
)

EOK = 100_000_000
COMMITMENTS = (500_000_000, 360_000_000, 250_000_000)
PDF = b"%PDF-1.4\n% evaluation report\n"


def today() -> date:
    return timezone.localdate()


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


def evidence(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class BondWorld:
    kim: User  # prepares (the contract, payments)
    lee: User  # signs and approves (four eyes)
    city: Institution
    operator: Institution
    evaluator_institution: Institution
    provider: Enterprise
    investors: list[Institution]
    investor_users: list[User]
    evaluators: list[User]  # two of the contract's evaluator institution
    other_evaluator: User  # of another evaluator institution
    contract: Contract
    investments: list[Investment] = field(default_factory=list)
    cost: Metric | None = None
    incentive: Metric | None = None
    interim: EvaluationPoint | None = None
    final: EvaluationPoint | None = None

    def refresh(self) -> Contract:
        self.contract.refresh_from_db()
        return self.contract


def make_world(*, interim_percent: Any = 0, max_payment: int = 15 * EOK, distribution_mode: str = "pro_rata",
               classes: tuple[str, ...] = ("", "", ""), code: str = "seoul-sib-1", provider: Enterprise | None = None,
               evaluator_institution: Institution | None = None,
               investors: list[Institution] | None = None) -> BondWorld:
    """The parties are new unless given (the provider, the evaluator institution, the three investors)."""
    kim, lee = ManagerFactory(), ManagerFactory()
    evaluator_institution = evaluator_institution or InstitutionFactory(kind=Institution.Kind.EVALUATOR,
                                                                        name=f"성균관대학교 {code}")
    investors = investors or [InstitutionFactory(kind=Institution.Kind.INVESTOR, name=f"투자자{i} {code}")
                              for i in range(3)]
    world = BondWorld(
        kim=kim, lee=lee, city=InstitutionFactory(kind=Institution.Kind.MUNICIPALITY, name=f"서울특별시 {code}"),
        operator=InstitutionFactory(kind=Institution.Kind.INTERMEDIARY, name=f"팟플러스 {code}"),
        evaluator_institution=evaluator_institution,
        provider=provider or EnterpriseFactory(name="경계선지능 아동 지원센터"),
        investors=investors, investor_users=[InvestorFactory(institution=inv) for inv in investors],
        evaluators=[EvaluatorFactory(institution=evaluator_institution) for _ in range(2)],
        other_evaluator=EvaluatorFactory(institution=InstitutionFactory(kind=Institution.Kind.EVALUATOR)),
        contract=None,  # type: ignore[arg-type]
    )
    world.contract = services.contract_create(
        actor=kim, code=code, name="서울시 제1호 사회성과보상사업 (경계선지능 아동)", outcome_payer=world.city,
        operator=world.operator, provider=world.provider, evaluator=evaluator_institution,
        service_starts_on=days_ago(70), service_ends_on=days_ago(25), max_payment=max_payment,
        interim_percent=interim_percent, distribution_mode=distribution_mode)
    for investor, commitment, share_class in zip(investors, COMMITMENTS, classes, strict=True):
        world.investments.append(services.investment_add(actor=kim, contract_id=world.contract.pk, investor=investor,
                                                         commitment=commitment, share_class=share_class))
    world.cost = services.metric_create(
        actor=kim, contract_id=world.contract.pk, code="improved", definition="인지·정서 두 영역 모두 개선된 아동",
        unit="명", target_population="경계선지능 아동 101명", targeted_number=101, target=42,
        validation_method="pre_post", data_source="성균관대학교 평가 보고서", baseline=0)
    services.payment_term_set(actor=kim, metric_id=world.cost.pk, kind="table", steps=[(42, 100)], mode="stepwise",
                              principal=1_030_000_000, principal_line=42)
    world.incentive = services.metric_create(
        actor=kim, contract_id=world.contract.pk, code="beyond-target", definition="목표(31명)를 넘어 개선된 아동",
        unit="명", target_population="경계선지능 아동 101명", targeted_number=10, target=42,
        validation_method="pre_post", data_source="성균관대학교 평가 보고서")
    services.payment_term_set(actor=kim, metric_id=world.incentive.pk, kind="rate_card", price=38_750_000,
                              max_units=10)
    world.interim = services.point_create(actor=kim, contract_id=world.contract.pk, kind="interim", name="중간 평가",
                                          on_date=days_ago(40))
    world.final = services.point_create(actor=kim, contract_id=world.contract.pk, kind="final", name="최종 평가",
                                        on_date=days_ago(20))
    return world


def sign_and_start(world: BondWorld) -> Contract:
    services.contract_sign(actor=world.lee, contract_id=world.contract.pk, signed_on=days_ago(80), today=today())
    services.contract_start(actor=world.lee, contract_id=world.contract.pk, started_on=days_ago(70), today=today())
    return world.refresh()


def call_and_pay(world: BondWorld, amount: int = 1_110_000_000, key: str = "call-1") -> None:
    call, _new = services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount=amount,
                                            call_on=days_ago(70), due_on=days_ago(60), idempotency_key=key,
                                            today=today())
    for line in call.lines.all():
        services.capital_call_paid(actor=world.kim, line_id=line.pk, paid_on=days_ago(65),
                                   idempotency_key=f"{key}-paid-{line.pk}", today=today())


def record_and_confirm(world: BondWorld, point: EvaluationPoint, *, engaged: int = 74, improved: int = 39,
                       beyond: int = 8) -> list[Result]:
    first, second = world.evaluators
    assert world.cost is not None and world.incentive is not None
    results = [
        services.result_record(actor=first, metric_id=world.cost.pk, point_id=point.pk, engaged=engaged,
                               with_outcome=improved, evidence=[evidence()]),
        services.result_record(actor=first, metric_id=world.incentive.pk, point_id=point.pk, engaged=engaged,
                               with_outcome=improved, units=beyond),
    ]
    return [services.result_confirm(actor=second, result_id=result.pk) for result in results]



def whole_life(world: BondWorld) -> Contract:
    """The contract's whole life through the services (``tests/bonds/test_life.py`` checks its figures): the draft
    renamed, signed, started; capital called and paid in two calls, funding disbursed in two tranches; the interim
    result recorded, confirmed, disputed and reopened, corrected and confirmed again; the interim payment (the
    contract's interim share must be 30 %) prepared, approved and distributed; the final evaluation, its results,
    payment and distribution; closed."""
    contract = world.contract
    services.contract_update(actor=world.kim, contract_id=contract.pk, name=f"{contract.name} (확정)")
    sign_and_start(world)
    call_and_pay(world, amount=600_000_000, key="call-1")
    services.disbursement_make(actor=world.kim, contract_id=contract.pk, amount=550_000_000, paid_on=days_ago(64),
                               idempotency_key="d1", today=today())
    call_and_pay(world, amount=510_000_000, key="call-2")
    services.disbursement_make(actor=world.kim, contract_id=contract.pk, amount=560_000_000, paid_on=days_ago(60),
                               idempotency_key="d2", today=today())
    first, _second = record_and_confirm(world, world.interim, engaged=60, improved=31, beyond=4)
    services.result_reopen(actor=world.evaluators[1], result_id=first.pk, reason="중복 집계 1명 이의")
    assert world.cost is not None and world.interim is not None and world.final is not None
    services.result_record(actor=world.evaluators[1], metric_id=world.cost.pk, point_id=world.interim.pk, engaged=60,
                           with_outcome=30, evidence=[evidence("corrected.pdf")])
    services.result_confirm(actor=world.evaluators[0], result_id=first.pk)
    interim = services.outcome_payment_prepare(actor=world.kim, point_id=world.interim.pk, paid_on=days_ago(35),
                                               today=today())
    services.outcome_payment_approve(actor=world.lee, payment_id=interim.pk, idempotency_key="i", today=today())
    services.distribution_make(actor=world.lee, contract_id=contract.pk, amount=interim.amount.amount,
                               paid_on=days_ago(30), idempotency_key="dist-1", today=today())
    services.contract_evaluate(actor=world.lee, contract_id=contract.pk, on_date=days_ago(20), today=today())
    record_and_confirm(world, world.final)
    final = services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                             today=today())
    services.outcome_payment_approve(actor=world.lee, payment_id=final.pk, idempotency_key="f", today=today())
    left = world.refresh().outcome_paid.amount - interim.amount.amount
    services.distribution_make(actor=world.kim, contract_id=contract.pk, amount=left, paid_on=days_ago(5),
                               idempotency_key="dist-2", today=today())
    services.contract_close(actor=world.lee, contract_id=contract.pk, closed_on=today(), today=today())
    return world.refresh()
