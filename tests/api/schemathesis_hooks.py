"""What the schemathesis run needs around it: the Korean demo seeded once, the schema loaded from the in-process WSGI
app, hooks that point path ids (and id fields of bodies) at the demo's objects, real JWTs, one savepoint per call.
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from itertools import pairwise
from typing import Any

import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken

from bonds.models import Contract as BondContract
from bonds.models import Distribution as BondDistribution
from bonds.models import Metric as BondMetric
from bonds.models import OutcomePayment as BondPayment
from bonds.models import Result as BondResult
from core.audit import audit_seal
from core.models import AuditEvent
from enterprises.models import Enterprise, Institution, User
from funds.models import AssetClassRule, Fund, Loan, LoanApplication, LoanProduct, Repayment, WriteOff
from guarantees.models import FeeBill, Guarantee, GuaranteeApplication, GuaranteeProgram
from statements import services as statements
from statements.models import Statement

SCHEMA_URL = "/api/schema/?format=json"
# Body fields that name another object by id, and the collection of the demo they are drawn from.
BODY_IDS = {
    "fund": "funds", "product": "loan-products", "enterprise": "enterprises", "operator": "institutions",
    "contributor": "institutions", "subject": "subjects", "program": "guarantee-programs", "bank": "institutions",
}
# Date fields of bodies and queries that money moves on: a recent date, so that a good request passes the open
# period and the date windows and reaches the service's own rules.
RECENT_DATES = {"disbursed_on", "received_on", "value_date", "on", "period_start", "period_end", "start", "end",
                "start_on", "on_date", "interest_paid_to", "paid_on", "due_by"}
# Amount fields: a plausible amount (most demo loans are 10 to 30 million won), not only the generator's extremes.
AMOUNTS = {"amount", "principal", "secured_amount", "loan_amount", "balance", "repaid"}


@dataclass
class SeededIds:
    """Ids of the demo's objects, by the path segment that names their collection (``loans``, ``funds``...), and
    the SHA-256 of its rendered statement."""

    by_collection: dict[str, list[int]] = field(default_factory=dict)
    sha256: list[str] = field(default_factory=list)

    @classmethod
    def collect(cls) -> SeededIds:
        def ids(model: Any, field_name: str = "pk") -> list[int]:
            return sorted(model.objects.values_list(field_name, flat=True))

        by_collection = {
            "funds": ids(Fund),
            "loan-products": ids(LoanProduct),
            "loan-applications": ids(LoanApplication),
            "loans": ids(Loan),
            "repayments": ids(Repayment),
            "write-offs": ids(WriteOff),
            "statements": ids(Statement),
            "enterprises": ids(Enterprise),
            "institutions": ids(Institution),
            "audit-events": ids(AuditEvent, "seq")[-20:],
            "guarantee-programs": ids(GuaranteeProgram),
            "guarantee-applications": ids(GuaranteeApplication),
            "guarantees": ids(Guarantee),
            "fee-bills": ids(FeeBill),
            "bonds": ids(BondContract),
            "bond-metrics": ids(BondMetric),
            "bond-results": ids(BondResult),
            "bond-payments": ids(BondPayment),
            "bond-distributions": ids(BondDistribution),
        }
        by_collection["subjects"] = sorted({*by_collection["loans"], *by_collection["enterprises"],
                                            *by_collection["funds"], *by_collection["repayments"]})
        sha256 = [digest for digest in Statement.objects.values_list("sha256", flat=True) if digest]
        return cls(by_collection, sha256)


def seed_demo() -> Iterator[SeededIds]:
    """Load the demo (and two statements: one rendered, one waiting) in a transaction rolled back afterwards.

    Django's WSGI handler closes a connection that is inside a transaction at the start and end of each request
    (close_old_connections); Django's own test client switches that off while it runs, and so does this, or the
    first request would end the seeded transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    media = tempfile.TemporaryDirectory(prefix="schemathesis-media-")
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                             MEDIA_ROOT=media.name)
    fast.enable()
    atomic = transaction.atomic()
    atomic.__enter__()
    try:
        if not AssetClassRule.objects.exists():
            # A transactional test run before on this worker emptied every table, the migration's rows included.
            importlib.import_module("funds.migrations.0003_asset_class_rules").seed(apps, None)
        call_command("load_demo", stdout=StringIO())
        _seed_statements()
        _seed_guarantees()
        audit_seal()  # the demo's events get their places, as they would right after its commits
        yield SeededIds.collect()
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
        fast.disable()
        media.cleanup()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _seed_statements() -> None:
    """A receipt rendered (its PDF downloads) and one still waiting (its PDF is a 409), both of coop.member's
    enterprise so that every role reaches them."""
    member = User.objects.get(username="coop.member")
    repayments = Repayment.objects.filter(loan__enterprise__memberships__user=member).order_by("id")
    today = timezone.localdate()
    ready = statements.statement_request(actor=member, kind=Statement.Kind.RECEIPT, subject_id=repayments[0].pk,
                                         today=today)
    statements.statement_render(statement_id=ready.pk)
    statements.statement_request(actor=member, kind=Statement.Kind.RECEIPT, subject_id=repayments[1].pk, today=today)


def _seed_guarantees() -> None:
    """Until the demo has special guarantees: a program open today, coop.member's applications in each state before
    a decision, and guarantees approved and active, so that the guarantees' operations get past 404."""
    from datetime import timedelta as days

    from guarantees.services import contribution_record
    from tests.guarantees.factories import make_guarantee, make_program
    from tests.guarantees.pipeline import make_application

    today = timezone.localdate()
    member = User.objects.get(username="coop.member")
    enterprise = member.memberships.get().enterprise
    program = make_program(code="fuzz-program", opens_on=today - days(days=30), closes_on=today + days(days=30),
                           eligible_kinds=list(Enterprise.Kind.values))
    contribution_record(actor=None, program_id=program.pk, source="city", amount=1_000_000_000, received_on=today,
                        idempotency_key="fuzz-seed", today=today)  # the module's seed: today's back-dating window
    for state in ("draft", "submitted", "recommended"):
        make_application(program, member=member, amount=5_000_000, state=state, today=today)
    make_guarantee(program, enterprise=enterprise, amount=5_000_000, state="approved")
    make_guarantee(program, enterprise=enterprise, amount=5_000_000, start_on=today - days(days=30))


def load_schema(raw: dict[str, Any] | None = None) -> schemathesis.BaseSchema:
    """The API's schema as served by the in-process WSGI app (or ``raw``, a schema to call that app with)."""
    from config.wsgi import application

    if raw is None:
        schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, application)
    else:
        schema = schemathesis.openapi.from_dict(raw)
        schema.app = application
    # Real tokens are sent with every call (authorization below): no made-up credentials are generated.
    schema.config.generation.update(with_security_parameters=False)
    return schema


def authorization(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


def call_in_savepoint(case: schemathesis.Case, headers: dict[str, str]) -> Any:
    """Call the app in a savepoint rolled back afterwards: every example sees exactly the seeded demo."""
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    return response


def _collection(path: str) -> str:
    """``/api/v1/loans/{id}/repayments/`` -> ``loans``: the segment before the path's id."""
    segments = path.strip("/").split("/")
    for before, segment in pairwise(segments):
        if segment.startswith("{"):
            return before
    return ""


def _often(original: Any, realistic: st.SearchStrategy) -> st.SearchStrategy:
    """The realistic value three times in four, else what the generator drew."""
    return st.integers(0, 3).flatmap(lambda n: realistic if n else st.just(original))


def _recent_date() -> st.SearchStrategy:
    today = timezone.localdate()
    return st.integers(0, 60).map(lambda days: (today - timedelta(days=days)).isoformat())


def _realistic(values: dict[str, Any], seeded: SeededIds) -> st.SearchStrategy:
    """``values`` (a body or a query) with some of its fields given realistic values."""
    choices: dict[str, st.SearchStrategy] = {}
    for name, value in values.items():
        if (name in BODY_IDS and isinstance(value, int) and not isinstance(value, bool)
                and seeded.by_collection[BODY_IDS[name]]):
            choices[name] = _often(value, st.sampled_from(seeded.by_collection[BODY_IDS[name]]))
        elif name in RECENT_DATES and isinstance(value, str):
            choices[name] = _often(value, _recent_date())
        elif name in AMOUNTS and isinstance(value, str | int) and not isinstance(value, bool):
            choices[name] = _often(value, st.integers(1_000, 30_000_000).map(str))
        elif name == "page":
            choices[name] = _often(value, st.just(1))
        elif name == "sha256" and seeded.sha256:
            choices[name] = _often(value, st.sampled_from(seeded.sha256))
    if not choices:
        return st.just(values)
    return st.fixed_dictionaries(choices).map(lambda chosen: {**values, **chosen})


def install_hooks(schema: schemathesis.BaseSchema, seeded: SeededIds) -> None:
    """Three in four examples take the id of a demo object for the path's id (the rest keep the generated one, an
    object that mostly does not exist); id fields of bodies (``product``, ``enterprise``...), dates, amounts,
    page numbers and SHA-256s likewise take realistic values three times in four."""

    @schema.hook
    def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: Any) -> Any:
        ids = seeded.by_collection.get(_collection(context.operation.path), [])
        if not ids or not isinstance(path_parameters, dict) or len(path_parameters) != 1:
            return st.just(path_parameters)
        (name,) = path_parameters
        seeded_value = st.sampled_from(ids).map(lambda value: {name: value})
        return _often(path_parameters, seeded_value)

    @schema.hook
    def flatmap_body(context: schemathesis.HookContext, body: Any) -> Any:
        return _realistic(body, seeded) if isinstance(body, dict) else st.just(body)

    @schema.hook
    def flatmap_query(context: schemathesis.HookContext, query: Any) -> Any:
        return _realistic(query, seeded) if isinstance(query, dict) else st.just(query)
