"""Contracts (협약): a manager sets one up as a draft (``contract_create``, ``contract_update``) with its investors
(``investment_add``), metrics (``metric_create``), payment terms (``payment_term_set``) and evaluation points
(``point_create``); another manager signs it (``contract_sign``: four eyes; the city's outcome budget is
appropriated at the maximum outcome payment); then the service starts (``contract_start``), the final evaluation
begins (``contract_evaluate``) and, once everything is distributed, the contract is closed (``contract_close``: what
the city's budget did not spend lapses). Settling is the final outcome payment's approval (``payments``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, check_date, check_money_date
from core.db import transactional
from core.engines import bonds as engine
from core.errors import InvalidState
from core.money import KRW, format_won, won_input
from enterprises.models import Enterprise, Institution, User
from ledger.models import Book
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import (
    CONTRACT_CLOSE,
    CONTRACT_CREATE,
    CONTRACT_EVALUATE,
    CONTRACT_SIGN,
    CONTRACT_START,
    CONTRACT_UPDATE,
    INVESTMENT_ADD,
    METRIC_CREATE,
    POINT_CREATE,
    TERM_SET,
)
from ..locks import contract_id_of, lock_contract, lock_investments
from ..models import (
    ROUNDING_MODES,
    ROUNDING_UNITS,
    Contract,
    DistributionMode,
    EvaluationPoint,
    Investment,
    Metric,
    PaymentStep,
    PaymentTerm,
    ShareClass,
    ValidationMethod,
)
from .common import ZERO, State, count_input, fail, percent_input, require_state, rounding, text_input

CONTRACT_AUDITED = ["code", "name", "outcome_payer", "operator", "provider", "evaluator", "service_starts_on",
                    "service_ends_on", "max_payment", "interim_percent", "rounding_unit", "rounding_mode",
                    "distribution_mode", "senior_return_percent", "senior_share_of_rest", "leftover_investor",
                    "state", "signed_by", "signed_on", "started_on", "evaluating_on", "settled_on", "closed_on"]
# What a draft's update may change (its parties and terms; not its code, book or state).
UPDATABLE = ("name", "outcome_payer", "operator", "provider", "evaluator", "service_starts_on", "service_ends_on",
             "max_payment", "interim_percent", "rounding_unit", "rounding_mode", "distribution_mode",
             "senior_return_percent", "senior_share_of_rest", "leftover_investor")


def _require_setup(actor: User | None) -> None:
    if actor is not None:  # None: the system (setup, the demo loader)
        ACCESS.require(actor, "contract.update")


def _institution(value: Any, field: str, kind: str) -> Institution:
    if not isinstance(value, Institution) or value.kind != kind:
        raise fail(field, _("%(field)s must be an institution of kind %(kind)s.") % {"field": field, "kind": kind},
                   _("must be an institution of kind %(kind)s") % {"kind": kind})
    return value


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """The contract's fields checked one by one (those given). Raises ValidationFailed naming the field."""
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name == "name":
            clean[name] = text_input(value, "name", max_length=200)
        elif name == "outcome_payer":
            clean[name] = _institution(value, name, Institution.Kind.MUNICIPALITY)
        elif name == "operator":
            clean[name] = _institution(value, name, Institution.Kind.INTERMEDIARY)
        elif name == "evaluator":
            clean[name] = _institution(value, name, Institution.Kind.EVALUATOR)
        elif name == "provider":
            if not isinstance(value, Enterprise):
                raise fail(name, _("The provider must be an enterprise."), _("must be an enterprise"))
            clean[name] = value
        elif name in ("service_starts_on", "service_ends_on"):
            if not isinstance(value, date):
                raise fail(name, _("Bad date."), _("a date"))
            clean[name] = value
        elif name == "max_payment":
            clean[name] = Money(won_input(value, name), KRW)
        elif name in ("interim_percent", "senior_share_of_rest"):
            clean[name] = None if value is None and name == "senior_share_of_rest" else percent_input(value, name)
        elif name == "senior_return_percent":
            clean[name] = percent_input(value, name, high=Decimal(1000))
        elif name == "rounding_unit":
            if value not in ROUNDING_UNITS:
                raise fail(name, _("Bad rounding unit."), _("must be one of %(values)s")
                           % {"values": ", ".join(map(str, ROUNDING_UNITS))})
            clean[name] = value
        elif name == "rounding_mode":
            if value not in ROUNDING_MODES:
                raise fail(name, _("Bad rounding mode."), _("must be one of %(values)s")
                           % {"values": ", ".join(ROUNDING_MODES)})
            clean[name] = value
        elif name == "distribution_mode":
            if value not in DistributionMode.values:
                raise fail(name, _("Unknown distribution."), _("must be one of %(values)s")
                           % {"values": ", ".join(DistributionMode.values)})
            clean[name] = value
        elif name == "leftover_investor":
            clean[name] = None if value is None else _institution(value, name, Institution.Kind.INVESTOR)
        else:
            raise fail(name, _("Unknown field."), _("not a field of a contract"))
    return clean


def _check_period(starts: date, ends: date) -> None:
    if ends < starts:
        raise fail("service_ends_on", _("The service ends before it starts."),
                   _("must be on or after service_starts_on (%(date)s)") % {"date": starts.isoformat()})


@transactional
def contract_create(*, actor: User | None, code: str, name: str, outcome_payer: Institution, operator: Institution,
                    provider: Enterprise, evaluator: Institution, service_starts_on: date, service_ends_on: date,
                    max_payment: Any, **options: Any) -> Contract:
    """A draft contract with its book and chart of accounts (``bonds.accounts``): the outcome payer a municipality,
    the operator an intermediary, the evaluator an evaluator institution, the service period in order, the
    maximum outcome payment above zero. ``options``: interim_percent, rounding_unit, rounding_mode,
    distribution_mode, senior_return_percent, senior_share_of_rest. The actor prepares it (it may not sign it).
    Raises ValidationFailed, Forbidden."""
    if actor is not None:
        ACCESS.require(actor, "contract.create")
    if not isinstance(code, str) or not code or len(code) > 50 or not code.replace("-", "").isalnum():
        raise fail("code", _("Bad code."), _("1 to 50 letters, digits and dashes"))
    values = _clean({"name": name, "outcome_payer": outcome_payer, "operator": operator, "provider": provider,
                     "evaluator": evaluator, "service_starts_on": service_starts_on,
                     "service_ends_on": service_ends_on, "max_payment": max_payment, **options})
    _check_period(values["service_starts_on"], values["service_ends_on"])
    if Contract.objects.filter(code=code).exists() or Book.objects.filter(code=f"bond-{code}").exists():
        raise fail("code", _("A contract with this code exists."), _("already used"))
    book = Book.objects.create(code=f"bond-{code}", name=values["name"])
    chart.open_contract_accounts(book)
    contract = Contract.objects.create(code=code, book=book, prepared_by=actor, **values)
    audit_record(actor=actor, action=CONTRACT_CREATE, obj=contract, after=snapshot(contract, CONTRACT_AUDITED))
    return contract


@transactional
def contract_update(*, actor: User, contract_id: int, **changes: Any) -> Contract:
    """Change a draft's fields (``UPDATABLE``). Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    ACCESS.require(actor, "contract.update")
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise fail(unknown[0], _("This field cannot be changed."), _("not a field a draft's update changes"))
    contract = lock_contract(contract_id)
    require_state(contract, _("Changing a contract"), State.DRAFT)
    values = _clean(changes)
    starts = values.get("service_starts_on", contract.service_starts_on)
    _check_period(starts, values.get("service_ends_on", contract.service_ends_on))
    leftover = values.get("leftover_investor")
    if leftover is not None and not Investment.objects.filter(contract=contract, investor=leftover).exists():
        raise fail("leftover_investor", _("The investor named for the rounding leftover does not invest in the "
                                          "contract."), _("must be one of the contract's investors"))
    before = snapshot(contract, CONTRACT_AUDITED)
    for name, value in values.items():
        setattr(contract, name, value)
    contract.save()
    audit_record(actor=actor, action=CONTRACT_UPDATE, obj=contract, before=before,
                 after=snapshot(contract, CONTRACT_AUDITED))
    return contract


@transactional
def investment_add(*, actor: User | None, contract_id: int, investor: Institution, commitment: Any,
                   share_class: str = "") -> Investment:
    """An investor's commitment to a draft contract (after those it has, in that order), with its capital and
    distributions accounts; an institution invests once per contract; the first investor takes the rounding leftover
    unless the contract names another. The class is "" (none), "senior" or "junior". Raises ValidationFailed,
    NotFound, InvalidState, Forbidden."""
    _require_setup(actor)
    amount = won_input(commitment, "commitment")
    _institution(investor, "investor", Institution.Kind.INVESTOR)
    if share_class not in ShareClass.values:
        raise fail("share_class", _("Unknown class."), _("must be one of %(values)s")
                   % {"values": ", ".join(repr(value) for value in ShareClass.values)})
    contract = lock_contract(contract_id)
    require_state(contract, _("Adding an investor"), State.DRAFT)
    if Investment.objects.filter(contract=contract, investor=investor).exists():
        raise fail("investor", _("This institution already invests in the contract."), _("already an investor"))
    position = Investment.objects.filter(contract=contract).count()
    capital, distributed = chart.open_investor_accounts(contract.book, investor.pk, investor.name)
    investment = Investment.objects.create(contract=contract, investor=investor, share_class=share_class,
                                           commitment=Money(amount, KRW), position=position,
                                           capital_account=capital, distribution_account=distributed)
    contract.committed = Money(contract.committed.amount + amount, KRW)
    fields = ["committed"]
    if contract.leftover_investor_id is None:
        contract.leftover_investor = investor
        fields.append("leftover_investor")
    contract.save(update_fields=fields)
    audit_record(actor=actor, action=INVESTMENT_ADD, obj=investment,
                 after=snapshot(investment, ["contract", "investor", "share_class", "commitment", "position"]))
    return investment


@transactional
def metric_create(*, actor: User | None, contract_id: int, code: str, definition: str, unit: str,
                  target_population: str, targeted_number: int, target: Any, validation_method: str,
                  data_source: str, baseline: Any = None) -> Metric:
    """An outcome metric (성과지표) of a draft contract: its definition, unit, target population and number, target
    achievement rate (%), baseline (%), validation method (the INDIGO codelist: ``ValidationMethod``) and data
    source. Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    _require_setup(actor)
    if not isinstance(code, str) or not code or len(code) > 50 or not code.replace("-", "").isalnum():
        raise fail("code", _("Bad code."), _("1 to 50 letters, digits and dashes"))
    if validation_method not in ValidationMethod.values:
        raise fail("validation_method", _("Unknown validation method."), _("must be one of %(values)s")
                   % {"values": ", ".join(ValidationMethod.values)})
    values = {
        "definition": text_input(definition, "definition", max_length=2000),
        "unit": text_input(unit, "unit", max_length=100),
        "target_population": text_input(target_population, "target_population", max_length=2000),
        "targeted_number": count_input(targeted_number, "targeted_number"),
        "target": percent_input(target, "target"),
        "baseline": None if baseline is None else percent_input(baseline, "baseline"),
        "data_source": text_input(data_source, "data_source", max_length=300),
    }
    contract = lock_contract(contract_id)
    require_state(contract, _("Adding a metric"), State.DRAFT)
    if Metric.objects.filter(contract=contract, code=code).exists():
        raise fail("code", _("The contract has a metric with this code."), _("already used"))
    metric = Metric.objects.create(contract=contract, code=code, validation_method=validation_method,
                                   position=Metric.objects.filter(contract=contract).count(), **values)
    audit_record(actor=actor, action=METRIC_CREATE, obj=metric, after=snapshot(metric))
    return metric


TERM_AUDITED = ["metric", "kind", "mode", "below", "principal", "principal_line", "cap_percent", "price",
                "max_units"]


@transactional
def payment_term_set(*, actor: User | None, metric_id: int, kind: str, steps: Any = (), mode: str = engine.LINEAR,
                     below: str = engine.BELOW_ZERO, principal: Any = 0, principal_line: Any = None,
                     cap_percent: Any = None, price: Any = 0, max_units: int = 0) -> PaymentTerm:
    """Set (or replace) a metric's payment term while its contract is a draft: a rate card (``price`` won per
    verified unit, at most ``max_units``) or an achievement table (``steps``: (threshold %, percent of the
    principal) pairs, thresholds increasing and percents never decreasing; ``mode`` stepwise or linear; ``below``;
    the ``principal``; the ``principal_line``, where the table pays 100 %; the ``cap_percent``). The engine checks
    the terms can be applied. Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    _require_setup(actor)
    if kind not in PaymentTerm.Kind.values:
        raise fail("kind", _("Unknown kind of payment term."), _("must be one of %(values)s")
                   % {"values": ", ".join(PaymentTerm.Kind.values)})
    contract = lock_contract(contract_id_of(Metric, metric_id))
    require_state(contract, _("Setting a payment term"), State.DRAFT)
    metric = Metric.objects.get(pk=metric_id)
    values: dict[str, Any] = {"kind": kind, "mode": engine.LINEAR, "below": engine.BELOW_ZERO,
                              "principal": Money(0, KRW), "principal_line": None, "cap_percent": None,
                              "price": Money(0, KRW), "max_units": 0}
    rows: list[tuple[Decimal, Decimal]] = []
    if kind == PaymentTerm.Kind.TABLE:
        if mode not in engine.TABLE_MODES:
            raise fail("mode", _("Unknown table mode."), _("must be one of %(values)s")
                       % {"values": ", ".join(engine.TABLE_MODES)})
        if below not in engine.BELOW_MODES:
            raise fail("below", _("Unknown rule below the lowest threshold."), _("must be one of %(values)s")
                       % {"values": ", ".join(engine.BELOW_MODES)})
        if isinstance(steps, str | bytes) or not steps:
            raise fail("steps", _("An achievement table needs its rows."), _("at least one (threshold, percent)"))
        for index, row in enumerate(steps):
            if not isinstance(row, list | tuple) or len(row) != 2:
                raise fail(f"steps[{index}]", _("Bad row."), _("a (threshold, percent) pair"))
            rows.append((percent_input(row[0], f"steps[{index}].threshold"),
                         percent_input(row[1], f"steps[{index}].percent", high=Decimal(1000))))
        values.update(mode=mode, below=below, principal=Money(won_input(principal, "principal"), KRW),
                      cap_percent=None if cap_percent is None else percent_input(cap_percent, "cap_percent",
                                                                                  high=Decimal(1000)),
                      principal_line=None if principal_line is None else percent_input(principal_line,
                                                                                        "principal_line"))
    else:
        values.update(price=Money(won_input(price, "price"), KRW), max_units=count_input(max_units, "max_units"))
    term = PaymentTerm.objects.filter(metric=metric).first()
    before = None if term is None else snapshot(term, TERM_AUDITED)
    if term is None:
        term = PaymentTerm(metric=metric)
    for name, value in values.items():
        setattr(term, name, value)
    term.set_by = actor if getattr(actor, "is_authenticated", False) else None
    try:
        built = (engine.AchievementTable(
            steps=tuple(engine.Step(threshold=t, percent=p) for t, p in rows), mode=values["mode"],
            cap=values["cap_percent"], below=values["below"], rounding=rounding(contract))
            if kind == PaymentTerm.Kind.TABLE else None)
    except engine.InvalidTerms as exc:
        raise fail("steps", _("The achievement table cannot be applied: %(reason)s.") % {"reason": exc},
                   str(exc)) from None
    if built is not None and values["principal_line"] is not None and built.percent(
            values["principal_line"]) != Decimal(100):
        # xgettext:no-python-format (a percent sign, not a placeholder)
        raise fail("principal_line", _("The table does not pay 100 % of the principal at its principal line."),
                   _("an achievement rate at which the table pays 100 %"))
    term.save()
    PaymentStep.objects.filter(term=term).delete()
    PaymentStep.objects.bulk_create(PaymentStep(term=term, threshold=t, percent=p) for t, p in rows)
    audit_record(actor=actor, action=TERM_SET, obj=term, before=before,
                 after={**snapshot(term, TERM_AUDITED), "steps": [[str(t), str(p)] for t, p in rows]})
    return term


@transactional
def point_create(*, actor: User | None, contract_id: int, kind: str, name: str, on_date: date) -> EvaluationPoint:
    """An evaluation point of a draft contract: interim or final (one final, on or after every interim one; within
    the service period or after it). Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    _require_setup(actor)
    if kind not in EvaluationPoint.Kind.values:
        raise fail("kind", _("Unknown kind of evaluation point."), _("must be one of %(values)s")
                   % {"values": ", ".join(EvaluationPoint.Kind.values)})
    label = text_input(name, "name", max_length=100)
    if not isinstance(on_date, date):
        raise fail("on_date", _("Bad date."), _("a date"))
    contract = lock_contract(contract_id)
    require_state(contract, _("Adding an evaluation point"), State.DRAFT)
    check_date(on_date, field="on_date", earliest=[Limit(contract.service_starts_on, _("the service's start"))])
    points = EvaluationPoint.objects.filter(contract=contract)
    if kind == EvaluationPoint.Kind.FINAL and points.filter(kind=kind).exists():
        raise fail("kind", _("The contract has a final evaluation point."), _("one final evaluation point"))
    if points.filter(on_date=on_date).exists():
        raise fail("on_date", _("The contract has an evaluation point on this day."), _("one point per day"))
    final = points.filter(kind=EvaluationPoint.Kind.FINAL).first()
    if kind == EvaluationPoint.Kind.INTERIM and final is not None and on_date > final.on_date:
        raise fail("on_date", _("An interim evaluation must come before the final one."),
                   _("on or before %(date)s") % {"date": final.on_date.isoformat()})
    last = points.filter(kind=EvaluationPoint.Kind.INTERIM).order_by("-on_date").first()
    if kind == EvaluationPoint.Kind.FINAL and last is not None and on_date < last.on_date:
        raise fail("on_date", _("The final evaluation must come after the interim ones."),
                   _("on or after %(date)s") % {"date": last.on_date.isoformat()})
    point = EvaluationPoint.objects.create(contract=contract, kind=kind, name=label, on_date=on_date)
    audit_record(actor=actor, action=POINT_CREATE, obj=point, after=snapshot(point))
    return point


@transactional
def contract_sign(*, actor: User, contract_id: int, signed_on: date, today: date) -> Contract:
    """A manager other than the one who prepared it signs a draft contract (협약 체결) on ``signed_on`` (not in the
    future, within the back-dating window): it needs investors whose commitments make the capital, metrics that
    each have a payment term, and a final evaluation point. The city's outcome budget is appropriated at the maximum
    outcome payment (Dr ``outcome:budget`` / Cr ``outcome:appropriation``). Raises Forbidden, NotFound,
    InvalidState (a wrong state, the same manager, a contract not complete), ValidationFailed."""
    ACCESS.require(actor, "contract.sign")
    contract = lock_contract(contract_id)
    require_state(contract, _("Signing a contract"), State.DRAFT)
    if contract.prepared_by_id == actor.pk:
        raise InvalidState(_("The manager who prepared a contract may not sign it (four eyes)."),
                           fields={"prepared_by": [_("another manager must sign it (four eyes)")]})
    missing = []
    if not Investment.objects.filter(contract=contract).exists():
        missing.append(_("an investor"))
    metrics = Metric.objects.filter(contract=contract)
    if not metrics.exists():
        missing.append(_("an outcome metric"))
    elif metrics.filter(term__isnull=True).exists():
        missing.append(_("a payment term for every metric"))
    if (contract.distribution_mode == DistributionMode.CLASSES
            and Investment.objects.filter(contract=contract, share_class="").exists()):
        missing.append(_("a class (senior or junior) for every investor"))
    if not EvaluationPoint.objects.filter(contract=contract, kind=EvaluationPoint.Kind.FINAL).exists():
        missing.append(_("a final evaluation point"))
    if missing:
        raise InvalidState(_("The contract is not complete: it needs %(missing)s.") % {"missing": ", ".join(missing)})
    check_money_date(signed_on, field="signed_on", today=today)
    budget = contract.max_payment.amount
    posted = journal_post(
        lines=[debit(chart.account(contract.book, chart.OUTCOME_BUDGET), budget),
               credit(chart.account(contract.book, chart.OUTCOME_APPROPRIATION), budget)],
        kind="bond.appropriation", effective_date=signed_on, idempotency_key=f"bond:{contract.pk}:appropriation",
        actor=actor, memo=f"성과보상 예산 편성 {contract.name} {format_won(budget)}"[:500])
    before = snapshot(contract, CONTRACT_AUDITED)
    contract.state = State.SIGNED
    contract.signed_by, contract.signed_on, contract.signed_at = actor, signed_on, timezone.now()
    contract.appropriation_journal = posted.journal
    contract.save()
    audit_record(actor=actor, action=CONTRACT_SIGN, obj=contract, before=before,
                 after=snapshot(contract, CONTRACT_AUDITED))
    return contract


def _advance(actor: User, contract: Contract, state: str, field: str, on: date, action: Any) -> Contract:
    before = snapshot(contract, CONTRACT_AUDITED)
    contract.state = state
    setattr(contract, field, on)
    contract.save(update_fields=["state", field])
    audit_record(actor=actor, action=action, obj=contract, before=before, after=snapshot(contract, CONTRACT_AUDITED))
    return contract


@transactional
def contract_start(*, actor: User, contract_id: int, started_on: date, today: date) -> Contract:
    """A signed contract's service starts (사업 착수) on ``started_on`` (not before the signing, not in the future).
    Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "contract.advance")
    contract = lock_contract(contract_id)
    require_state(contract, _("Starting the service"), State.SIGNED)
    assert contract.signed_on is not None
    check_money_date(started_on, field="started_on", today=today,
                     not_before=[Limit(contract.signed_on, _("the day the contract was signed"))])
    return _advance(actor, contract, State.IN_SERVICE, "started_on", started_on, CONTRACT_START)


@transactional
def contract_evaluate(*, actor: User, contract_id: int, on_date: date, today: date) -> Contract:
    """A contract in service goes into its final evaluation (최종 평가) on ``on_date``. Raises Forbidden, NotFound,
    InvalidState, ValidationFailed."""
    ACCESS.require(actor, "contract.advance")
    contract = lock_contract(contract_id)
    require_state(contract, _("Beginning the final evaluation"), State.IN_SERVICE)
    assert contract.started_on is not None
    check_money_date(on_date, field="on_date", today=today,
                     not_before=[Limit(contract.started_on, _("the day the service started"))])
    return _advance(actor, contract, State.EVALUATING, "evaluating_on", on_date, CONTRACT_EVALUATE)


@transactional
def contract_close(*, actor: User, contract_id: int, closed_on: date, today: date) -> Contract:
    """A settled contract whose cash is all distributed is closed (종료) on ``closed_on``: what the city's budget did
    not spend lapses (Dr ``outcome:appropriation`` / Cr ``outcome:budget``). Raises Forbidden, NotFound,
    InvalidState, ValidationFailed."""
    ACCESS.require(actor, "contract.advance")
    contract = lock_contract(contract_id)
    require_state(contract, _("Closing a contract"), State.SETTLED)
    assert contract.settled_on is not None
    check_money_date(closed_on, field="closed_on", today=today,
                     not_before=[Limit(contract.settled_on, _("the day the contract was settled"))])
    cash = chart.account(contract.book, chart.CASH).balance.amount
    if cash != ZERO:
        raise InvalidState(_("The contract still holds %(cash)s; distribute it before closing.")
                           % {"cash": format_won(cash)})
    unspent = chart.account(contract.book, chart.OUTCOME_BUDGET).balance.amount
    if unspent > ZERO:
        journal_post(
            lines=[debit(chart.account(contract.book, chart.OUTCOME_APPROPRIATION), unspent),
                   credit(chart.account(contract.book, chart.OUTCOME_BUDGET), unspent)],
            kind="bond.lapse", effective_date=closed_on, idempotency_key=f"bond:{contract.pk}:lapse", actor=actor,
            memo=f"성과보상 예산 불용 {contract.name} {format_won(unspent)}"[:500])
    lock_investments(contract)  # nothing of theirs moves; taken so no late write slips in while closing
    return _advance(actor, contract, State.CLOSED, "closed_on", closed_on, CONTRACT_CLOSE)

