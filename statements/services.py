"""Asking for a statement, rendering it (once), verifying and downloading it.

Who gets what: fund managers, auditors and administrators every statement; an enterprise member only the loan,
enterprise and receipt statements, the guarantee fee receipts and the campaign settlement statements of an
enterprise it belongs to (anything else is "not found", never a hint that it exists), and never a fund or guarantee
program statement, a contest report or a matching fund use statement; a backer only the receipts of its own
pledges (후원 영수증).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, snapshot
from core.dates import check_period
from core.db import transactional
from core.errors import InvalidState, NotFound, ValidationFailed
from core.outbox import outbox_enqueue
from enterprises.roles import Role, has_role, investor_of
from funds.models import Fund, Repayment
from guarantees.access import ACCESS as GUARANTEES
from guarantees.selectors import bank_lines_for

from . import kinds
from .actions import STATEMENT_REQUEST
from .kinds.base import MAX_PERIOD_DAYS, StatementKind, is_staff
from .models import Statement, StatementDownload

# WeasyPrint, matplotlib and openpyxl (statements.render, .charts, .exports) are imported where they are used: the
# web processes only ask for statements and never render one, and importing them costs each gunicorn worker about
# 2 s at start and 90 MB.

Kind = Statement.Kind
logger = logging.getLogger(__name__)
RENDER_TASK = "statements.render"


def statements_visible_to(user: Any) -> QuerySet[Statement]:
    """The statements ``user`` may have, the newest first."""
    qs = (Statement.objects.select_related("loan", "enterprise", "fund", "repayment", "guarantee_program",
                                           "fee_bill", "contest", "campaign", "pledge", "pool_funder",
                                           "bond_contract", "bond_investment", "requested_by")
          .order_by("-requested_at", "-id"))
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_staff(user):
        return qs
    members = Q(enterprise__memberships__user=user,
                kind__in=[Kind.LOAN, Kind.ENTERPRISE, Kind.RECEIPT, Kind.FEE_RECEIPT, Kind.CAMPAIGN_SETTLEMENT,
                          Kind.BOND_CONTRACT])
    seen = members | Q(kind=Kind.PLEDGE_RECEIPT, pledge__backer=user)
    investor = investor_of(user)
    if investor is not None:  # an investor: its own institution's investor statements
        seen |= Q(kind=Kind.BOND_INVESTOR, bond_investment__investor_id=investor)
    return qs.filter(seen).distinct()


def downloads_visible_to(user: Any) -> QuerySet[StatementDownload]:
    """The download log, the latest first: auditors and administrators read it (the view refuses everyone else)."""
    qs = StatementDownload.objects.select_related("statement", "user").order_by("-at", "-id")
    if has_role(user, Role.AUDITOR, Role.ADMIN):
        return qs
    return qs.none()


def _kind(kind: str) -> StatementKind:
    found = kinds.KINDS.get(kind)
    if found is None:
        raise ValidationFailed(_("Unknown kind of statement."),
                               fields={"kind": [_("must be one of %(kinds)s") % {"kinds": ", ".join(Kind.values)}]})
    return found


@transactional
def statement_request(*, actor: Any, kind: str, subject_id: int, today: date, period_start: date | None = None,
                      period_end: date | None = None) -> Statement:
    """Ask for a statement of ``subject_id`` (a loan, an enterprise, a fund, a repayment, a subsidy run, a
    guarantee program or a guarantee fee bill, by ``kind``) over a period ending by ``today``; it is rendered in
    the background (``statements.render``). Raises ValidationFailed, NotFound, Forbidden, InvalidState."""
    statement_kind = _kind(kind)
    start, end = statement_kind.period(period_start, period_end, today=today)
    return _request(actor, statement_kind, subject_id, start, end)


def _request(actor: Any, statement_kind: StatementKind, subject_id: int, start: date | None,
             end: date | None) -> Statement:
    values = statement_kind.subject(actor, subject_id)
    statement = Statement.objects.create(kind=statement_kind.kind, period_start=start, period_end=end,
                                         requested_by=actor, **values)
    audit_record(actor=actor, action=STATEMENT_REQUEST, obj=statement, after=snapshot(statement, [
        "kind", "loan", "enterprise", "fund", "repayment", "subsidy_run", "guarantee_program", "fee_bill", "contest",
        "campaign", "pledge", "pool_funder", "bond_contract", "bond_investment", "period_start", "period_end"]))
    # Rendered by a worker after commit, through the outbox: if the broker is away the request still succeeds
    # and the relay hands the work over later; a failed rendering is recorded on the statement.
    outbox_enqueue(RENDER_TASK, statement.pk, key=f"statement:{statement.pk}:render")
    return statement


def receipt_for_repayment(*, actor: Any, repayment: Repayment) -> Statement | None:
    """A new repayment's receipt (상환 영수증), asked for in the repayment's own transaction when
    STATEMENTS_AUTO_RECEIPT is on (``funds.signals.repayment_made``)."""
    if not settings.STATEMENTS_AUTO_RECEIPT:
        return None
    return _request(actor, kinds.KINDS[Kind.RECEIPT], repayment.pk, None, None)


def render_given_up(*, statement_id: int, error: str) -> None:
    """The outbox gave the rendering up (its worker died every time, out of memory say): the statement is marked
    failed, so that it says so instead of staying pending."""
    updated = Statement.objects.filter(pk=statement_id, state=Statement.State.PENDING).update(
        state=Statement.State.FAILED, error=error[:2000])
    if updated:
        logger.error("statement %s: rendering given up: %s", statement_id, error)


@dataclass
class Outcome:
    statement: Statement
    rendered: bool  # False: it was already rendered (a task run twice renders once)


def statement_render(*, statement_id: int) -> Outcome:
    """Render a pending statement and store it. Runs under the statement's row lock, so two workers given the same
    statement render it once; a ready statement is left as it is. A failure is recorded on the statement (state
    failed, with the error) and raised."""
    try:
        with transaction.atomic():
            statement = Statement.objects.select_for_update(no_key=True).filter(pk=statement_id).first()
            if statement is None:
                raise NotFound(_("No such statement."))
            if statement.state == Statement.State.READY:
                return Outcome(statement, rendered=False)
            _render_into(statement)
            return Outcome(statement, rendered=True)
    except (NotFound, OperationalError, InterfaceError):
        raise  # the database went away: nothing was written, and the outbox hands the rendering over again
    except Exception as exc:
        Statement.objects.filter(pk=statement_id, state=Statement.State.PENDING).update(
            state=Statement.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise


def _render_into(statement: Statement) -> None:
    from .kinds.base import tables_csv
    from .render import ATTACHMENT, html_to_pdf, render_html

    started = time.perf_counter()
    generated_at = timezone.now()
    built = kinds.build(statement, generated_at=generated_at)
    data = tables_csv(built.tables)
    data_sha = hashlib.sha256(data).hexdigest()
    context = {
        **built.context,
        "title": built.title, "subject": built.subject, "issuer": built.issuer, "fund_name": built.fund_name,
        "number": statement.number, "generated_at": generated_at, "requested_by": statement.requested_by.username,
        "period_start": statement.period_start, "period_end": statement.period_end, "data_sha256": data_sha,
        "attachment_name": ATTACHMENT, "statement": statement,
    }
    rendered = html_to_pdf(render_html(built.template, context), data, description=f"{built.title} {built.subject}")
    sha = hashlib.sha256(rendered.pdf).hexdigest()
    filename = f"{built.filename}_{statement.number}.pdf"
    statement.file.save(f"{statement.number}.pdf", ContentFile(rendered.pdf), save=False)
    statement.filename = filename
    statement.sha256 = sha
    statement.data_sha256 = data_sha
    statement.size = len(rendered.pdf)
    statement.pages = rendered.pages
    statement.generated_at = generated_at
    statement.state = Statement.State.READY
    statement.error = ""
    statement.ledger_check = built.context.get("ledger_check_json")
    statement.render_seconds = Decimal(f"{time.perf_counter() - started:.3f}")
    statement.save()


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Export:
    body: bytes
    content_type: str
    filename: str


def journal_export(*, fund_id: int, start: date, end: date, file: str, today: date) -> Export:
    """A fund's journal (분개장) from ``start`` to ``end`` (at most ten years, none of it after ``today``) as CSV or
    XLSX. Raises ValidationFailed, NotFound."""
    if file not in EXPORT_TYPES:
        raise ValidationFailed(_("Unknown file type."),
                               fields={"file": [_("must be one of %(kinds)s") % {"kinds": ", ".join(EXPORT_TYPES)}]})
    check_period(start, end, today=today, start_field="start", end_field="end", max_days=MAX_PERIOD_DAYS)
    fund = Fund.objects.filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No such fund."))
    from . import exports

    write = exports.journal_csv if file == "csv" else exports.journal_xlsx
    return Export(write(fund, start, end), EXPORT_TYPES[file], exports.export_filename(fund, start, end, file))


def statement_verify(*, sha256: str) -> Statement | None:
    """The statement whose file (or whose embedded data, as printed in its footer) has this SHA-256 (the newest,
    if several statements carry the same data)."""
    digest = (sha256 or "").strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValidationFailed(_("Not a SHA-256."), fields={"sha256": [_("64 hexadecimal characters")]})
    return (Statement.objects.select_related("loan", "enterprise", "fund", "repayment")
            .filter(Q(sha256=digest) | Q(data_sha256=digest), state=Statement.State.READY)
            .order_by("-requested_at", "-id").first())


def statement_download(*, actor: Any, statement_id: int, ip: str | None, user_agent: str) -> tuple[Statement, bytes]:
    """The stored PDF of a ready statement the actor may see; the download is logged. Raises NotFound,
    InvalidState."""
    statement = statements_visible_to(actor).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(_("No such statement."))
    if statement.state != Statement.State.READY:
        raise InvalidState(_("This statement is %(state)s, not ready to download.")
                           % {"state": statement.get_state_display()})
    with statement.file.open("rb") as f:
        content = f.read()
    if hashlib.sha256(content).hexdigest() != statement.sha256:
        raise InvalidState(_("The stored file does not match its SHA-256; it must not be handed out."))
    StatementDownload.objects.create(statement=statement, user=actor, ip=ip or None,
                                     user_agent=(user_agent or "")[:300], sha256=statement.sha256 or "")
    return statement, content


def subsidy_payment_file(*, actor: Any, run_id: int, bank_id: int | None, file: str) -> Export:
    """One bank's lines of an interest subsidy run (이차보전금 지급 내역) as CSV or XLSX: staff name the bank, a bank
    officer gets its own bank's (another bank's, or a run without lines of the bank, is "not found"). Raises
    Forbidden, ValidationFailed, NotFound."""
    GUARANTEES.require(actor, "subsidy.download")
    if file not in EXPORT_TYPES:
        raise ValidationFailed(_("Unknown file type."),
                               fields={"format": [_("must be one of %(kinds)s") % {"kinds": ", ".join(EXPORT_TYPES)}]})
    lines = bank_lines_for(actor, run_id, bank_id)
    from . import payment_files

    write = payment_files.payment_csv if file == "csv" else payment_files.payment_xlsx
    return Export(write(lines), EXPORT_TYPES[file], payment_files.filename(lines, file))
