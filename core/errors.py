"""One domain error hierarchy. Services raise these; ``api.common.errors`` maps each to one HTTP status, once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A business rule refused the request. ``code`` is stable and machine-readable."""

    code = "domain_error"

    def __init__(self, message: str, *, fields: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = {name: list(messages) for name, messages in (fields or {}).items()}


class ValidationFailed(DomainError):
    """Input breaks a rule; ``fields`` names each offending field and the rule."""

    code = "validation_error"


class NotFound(DomainError):
    code = "not_found"


class InvalidState(DomainError):
    """The object is not in a state that allows this transition."""

    code = "invalid_state"


class InsufficientFunds(DomainError):
    """The account would go below zero, and it is not allowed to."""

    code = "insufficient_funds"


class LimitExceeded(DomainError):
    code = "limit_exceeded"


class IdempotencyConflict(DomainError):
    """The same idempotency key came with different content."""

    code = "idempotency_key_reused"


class Unbalanced(DomainError):
    """Debits and credits of a journal differ."""

    code = "unbalanced_journal"


class RequestInFlight(DomainError):
    """A request with the same idempotency key is still being processed."""

    code = "request_in_flight"


class Contention(DomainError):
    """Other transactions kept changing the same rows at the same moment (a deadlock or a serialization failure,
    after the bounded retries of ``core.db.transactional``): nothing was written, and the same request may succeed
    if sent again."""

    code = "concurrent_update"


class Forbidden(DomainError):
    """The acting user's role may not do this (a service's own check, behind the API's permissions)."""

    code = "permission_denied"


class Ineligible(DomainError):
    """A lending rule refuses this borrower (e.g. a loan of the fund in default)."""

    code = "ineligible"


class Recused(Forbidden):
    """A judge may not score this entry: a conflict of interest (its own enterprise, its institution's recommended
    entry, or a conflict it declared). The message says which."""

    code = "recused"


class PaymentRefused(DomainError):
    """The card company said no to a payment (a decline: the limit, the balance, a refused card). Answered 402."""

    code = "payment_declined"


class Unavailable(DomainError):
    """An outside party (a payment provider, a bank) is not answering or answered that it cannot now. Nothing that
    is not known was changed; the same request may succeed later. Answered 503 with Retry-After."""

    code = "outside_party_unavailable"


class OutsideTimeout(Unavailable):
    """An outside party did not answer in time and what it did could not be found out. Answered 504."""

    code = "outside_party_timeout"


class EmailNotVerified(Forbidden):
    """The user has not verified its email address yet, and the rule needs it (a backer's first pledge). The message
    says so and how to verify."""

    code = "email_not_verified"
