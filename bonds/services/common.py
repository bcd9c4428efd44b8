"""What every social impact bond write checks the same way: errors naming the field, percents, the contract's
state and rounding rule, the replay of an idempotent write, and evidence files. (The checks every instrument shares
are the kernel's: ``core.money.won_input``, ``core.inputs.check_key`` and ``digest``.)"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from core.engines.rounding import Rounding
from core.errors import IdempotencyConflict, InvalidState, NotFound, ValidationFailed
from core.inputs import KEY_FIELD
from enterprises.roles import STAFF_READERS, evaluator_of, has_role, investor_of, is_member

from ..models import Contract, Investment

ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024  # 10 MB
# The evidence files accepted, by the first bytes of their content (never by their name).
EVIDENCE_SIGNATURES = ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))

State = Contract.State


def fail(field: str, message: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [rule]})


def percent_input(value: Any, field: str, *, high: Decimal | None = HUNDRED) -> Decimal:
    """``value`` as a percent with at most two decimals, from 0 to ``high`` (no upper bound with None). Raises
    ValidationFailed naming ``field``."""
    number = Decimal("NaN")
    if not isinstance(value, bool | float):
        with contextlib.suppress(InvalidOperation, ValueError):
            number = Decimal(str(value))
    if not number.is_finite() or -number.as_tuple().exponent > 2:  # type: ignore[operator]
        raise fail(field, _("Bad percent for %(field)s.") % {"field": field},
                   _("a decimal number of percent with at most 2 decimals"))
    if number < 0 or (high is not None and number > high):
        rule = _("from 0 to %(high)s") % {"high": high} if high is not None else _("0 or more")
        raise fail(field, _("%(field)s is out of range.") % {"field": field}, rule)
    return number


def count_input(value: Any, field: str) -> int:
    """A whole number of people or units, 0 or more. Raises ValidationFailed naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2_000_000_000:
        raise fail(field, _("Bad number for %(field)s.") % {"field": field}, _("a whole number, 0 or more"))
    return value


def text_input(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if (required and not text) or len(text) > max_length:
        raise fail(field, _("Bad text for %(field)s.") % {"field": field},
                   _("text of 1 to %(max)s characters") % {"max": max_length} if required
                   else _("text of at most %(max)s characters") % {"max": max_length})
    return text


def state_error(contract: Contract, doing: str, allowed: Iterable[str]) -> InvalidState:
    return InvalidState(
        _("%(doing)s is not possible in the contract's state %(state)s (it must be %(allowed)s).")
        % {"doing": doing, "state": contract.get_state_display(),
           "allowed": ", ".join(str(State(value).label) for value in allowed)})


def require_state(contract: Contract, doing: str, *allowed: str) -> None:
    if contract.state not in allowed:
        raise state_error(contract, doing, allowed)


def rounding(contract: Contract) -> Rounding:
    return Rounding(contract.rounding_unit, contract.rounding_mode)


def check_replay(existing: Any, actor: Any, *, created_by_field: str = "created_by_id", **content: Any) -> None:
    """A write made again with a key already used: the same caller with the same content gets the first result
    back; another caller, or other content, is a conflict. Raises IdempotencyConflict."""
    if getattr(existing, created_by_field) != getattr(actor, "pk", None):
        raise IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                                  fields={KEY_FIELD: [_("already used by another user")]})
    for name, value in content.items():
        stored = getattr(existing, name)
        if getattr(stored, "amount", stored) != value:
            raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                      fields={KEY_FIELD: [_("already used with another %(field)s") % {"field": name}]})


def sees_contract(user: Any, contract: Contract) -> bool:
    """Whether ``user`` may see ``contract`` at all: staff all; an evaluator its institution's; an investor those
    its institution invests in; an enterprise member its enterprise's (the provider)."""
    if has_role(user, *STAFF_READERS):
        return True
    evaluator = evaluator_of(user)
    if evaluator is not None and contract.evaluator_id == evaluator:
        return True
    investor = investor_of(user)
    if investor is not None and Investment.objects.filter(contract=contract, investor_id=investor).exists():
        return True
    return is_member(user, contract.provider_id)


def require_evaluator(actor: Any, contract: Contract, what: str) -> None:
    """Only an evaluator of the contract's evaluator institution; anyone else's is not found."""
    if evaluator_of(actor) != contract.evaluator_id:
        raise NotFound(what)


def check_evidence(evidence: Any) -> tuple[str, str]:
    """An evidence file's type and SHA-256 (a PDF, JPEG or PNG of at most 10 MB, judged by its content). Raises
    ValidationFailed naming ``evidence``."""
    if not isinstance(evidence, UploadedFile) or not evidence.size:
        raise fail("evidence", _("An evidence file must be a non-empty file."), _("a PDF, JPEG or PNG file"))
    if evidence.size > MAX_EVIDENCE_BYTES:
        raise fail("evidence", _("The evidence file is larger than 10 MB."), _("at most 10 MB"))
    evidence.seek(0)
    head = evidence.read(16)
    kind = next((name for signature, name in EVIDENCE_SIGNATURES if head.startswith(signature)), None)
    if kind is None:
        raise fail("evidence", _("The evidence file is not a PDF, JPEG or PNG (judged by its content, not its "
                                 "name)."), _("a PDF, JPEG or PNG file"))
    evidence.seek(0)
    hashed = hashlib.sha256()
    for chunk in evidence.chunks():
        hashed.update(chunk)
    evidence.seek(0)
    return kind, hashed.hexdigest()
