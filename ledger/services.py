"""The one way money moves: ``journal_post``, and its mirror ``journal_reverse``.

Posting locks the touched accounts (``SELECT ... FOR NO KEY UPDATE`` in id order, so two postings never wait on
each other in a circle), refuses to take a no-overdraft account below zero, now or at the end of any day from the
journal's effective date on (a back-dated payment must not overdraw the past), refuses totals beyond 18 digits,
writes the journal and its entries and moves the accounts' counters, all in one transaction. The idempotency key
makes a retry harmless: the same key with the same content returns the journal already written; with other content
it is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _  # so ``_`` is never a throwaway name in this module
from djmoney.money import Money

from core.db import update_rows
from core.errors import (
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    LimitExceeded,
    NotFound,
    Unbalanced,
    ValidationFailed,
)
from core.inputs import require_reason
from core.money import KRW, MAX_WON, MoneyError, format_won, to_won

from .models import Account, Book, Entry, Journal, Side


@dataclass(frozen=True)
class Line:
    """One side of a journal: ``account`` (an Account or its id), ``side`` 'D' or 'C', a positive whole-won amount."""

    account: Account | int
    side: str
    amount: Decimal | int | str | Money

    @property
    def account_id(self) -> int:
        return self.account.pk if isinstance(self.account, Account) else int(self.account)


def debit(account: Account | int, amount: Decimal | int | str | Money) -> Line:
    return Line(account, Side.DEBIT, amount)


def credit(account: Account | int, amount: Decimal | int | str | Money) -> Line:
    return Line(account, Side.CREDIT, amount)


@dataclass(frozen=True)
class Posted:
    journal: Journal
    created: bool  # False when the idempotency key replayed an earlier journal


def account_create(*, book: Book, code: str, name: str, type: str, no_overdraft: bool = False) -> Account:
    """Open an account with zero balances; its normal side follows from its type."""
    if type not in Account.Type.values:
        raise ValidationFailed(
            _("Unknown account type."),
            fields={"type": [_("must be one of %(types)s") % {"types": ", ".join(Account.Type.values)}]},
        )
    return Account.objects.create(
        book=book,
        code=code,
        name=name,
        type=type,
        normal_side=Account.NORMAL_SIDE[Account.Type(type)],
        no_overdraft=no_overdraft,
    )


def _normalise(lines: Sequence[Line]) -> list[tuple[int, str, Decimal]]:
    if len(lines) < 2:
        raise Unbalanced(_("A journal needs at least two entries."), fields={"lines": [_("at least two entries")]})
    normalised = []
    for index, line in enumerate(lines):
        if line.side not in (Side.DEBIT, Side.CREDIT):
            raise ValidationFailed(_("Bad entry side."), fields={f"lines[{index}].side": [_("must be 'D' or 'C'")]})
        try:
            amount = to_won(line.amount)
        except MoneyError as exc:
            raise ValidationFailed(
                _("Bad amount: %(reason)s.") % {"reason": exc}, fields={f"lines[{index}].amount": [str(exc)]}
            ) from None
        normalised.append((line.account_id, str(line.side), amount))
    debits = sum((a for _account, s, a in normalised if s == Side.DEBIT), Decimal(0))
    credits = sum((a for _account, s, a in normalised if s == Side.CREDIT), Decimal(0))
    if debits != credits:
        raise Unbalanced(
            _("Debits (%(debits)s) and credits (%(credits)s) differ.")
            % {"debits": format_won(debits), "credits": format_won(credits)},
            fields={"lines": [_("debits must equal credits")]},
        )
    if debits > MAX_WON:
        raise LimitExceeded(
            _("A journal cannot move more than %(max)s in all.") % {"max": format_won(MAX_WON)},
            fields={"amount": [_("too large: a journal totals at most %(max)s") % {"max": format_won(MAX_WON)}]},
        )
    return normalised


def _fingerprint(
    *, kind: str, effective_date: date, memo: str, reverses_id: int | None, lines: list[tuple[int, str, Decimal]]
) -> str:
    content = {
        "kind": kind,
        "effective_date": effective_date.isoformat(),
        "memo": memo,
        "reverses": reverses_id,
        "lines": sorted([account_id, side, str(amount)] for account_id, side, amount in lines),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _replay(idempotency_key: str, fingerprint: str) -> Journal | None:
    existing = Journal.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _("Idempotency key %(key)s was already used for a different journal (J%(journal)s).")
            % {"key": repr(idempotency_key), "journal": existing.pk},
            fields={"idempotency_key": [_("already used with different content")]},
        )
    return existing


@dataclass
class _Deferred:
    """The accounts whose counters a ``deferred_counters`` block moves at its end, and by how much so far."""

    accounts: dict[int, Account]  # as read (not locked) when the block began: kind and no-overdraft flag
    order: list[int]
    moved: dict[int, list[Decimal]] = field(default_factory=dict)  # id -> [debits, credits]


_deferred: ContextVar[_Deferred | None] = ContextVar("ledger_deferred_counters", default=None)


@contextmanager
def deferred_counters(accounts: Sequence[Account]) -> Iterator[None]:
    """Inside a transaction: journals posted in this block move ``accounts``' counters only when the block ends,
    with one ``UPDATE ... SET total = total + x`` per account in the order given, instead of locking them when
    each journal is posted.

    For accounts many transactions share, such as a fund's cash and income accounts: a repayment only ever adds
    to them (cash debited, income credited), which can break no rule, so it need not hold their row locks while it
    does the rest of its work; it takes them at the end, for the few milliseconds before commit. Moving such an
    account the other way in the block (taking money out of a no-overdraft account, which needs its balance
    checked under its lock) is a programming error and raises ``RuntimeError``. Their balances read inside the
    block do not yet show its journals. Entries and journals are written as usual; if the block raises, nothing is
    moved (the transaction is rolled back anyway). Every transaction that touches these accounts must take their
    locks in the same order (a fund's cash first), so that none waits on another in a circle."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("deferred_counters needs an enclosing transaction")
    if _deferred.get() is not None:
        raise RuntimeError("deferred_counters blocks do not nest")
    state = _Deferred(accounts={a.pk: a for a in accounts}, order=[a.pk for a in accounts])
    token = _deferred.set(state)
    try:
        yield
    finally:
        _deferred.reset(token)
    _flush(state)


def _too_large(account: Account) -> LimitExceeded:
    return LimitExceeded(
        _("%(account)s cannot hold more than %(max)s in its totals.")
        % {"account": account.name, "max": format_won(MAX_WON)},
        fields={"amount": [_("too large for the account's totals")]},
    )


def _flush(state: _Deferred) -> None:
    """Move the deferred accounts' counters in the block's order (a fund's cash first), with one prepared UPDATE
    run for each (``executemany``: one round trip) that refuses (LimitExceeded) to take a total past 18 digits: the
    rows were not locked when the block's journals were posted, so the bound is checked here, by the statement
    that takes their lock."""
    moved = [(pk, state.moved[pk][0], state.moved[pk][1]) for pk in state.order if pk in state.moved]
    if not moved:
        return
    rows: list[list[Any]] = []
    for account_id, debits, credits in moved:
        change = debits - credits if state.accounts[account_id].normal_side == Side.DEBIT else credits - debits
        rows.append([debits, credits, change, account_id, MAX_WON - debits, MAX_WON - credits])
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE ledger_account SET debit_total = debit_total + %s, credit_total = credit_total + %s, "
            "balance = balance + %s WHERE id = %s AND debit_total <= %s AND credit_total <= %s",
            rows,
        )
        if cursor.rowcount == len(rows):
            return
    # One would have taken a total past 18 digits (it was not moved; the others were, and are rolled back with
    # the transaction this error ends): name it.
    now = {a.pk: a for a in Account.objects.filter(pk__in=[pk for pk, _d, _c in moved])}
    for account_id, debits, credits in moved:
        if max(now[account_id].debit_total.amount + debits, now[account_id].credit_total.amount + credits) > MAX_WON:
            raise _too_large(state.accounts[account_id])
    raise _too_large(state.accounts[moved[0][0]])


def _defer(state: _Deferred, account_id: int, moved: dict[str, Decimal]) -> None:
    account = state.accounts[account_id]
    change = moved[Side.DEBIT] - moved[Side.CREDIT]
    if account.normal_side != Side.DEBIT:
        change = -change
    if account.no_overdraft and change < 0:
        raise RuntimeError(f"{account.code}: a deferred account may only grow (no-overdraft, {change} asked)")
    totals = state.moved.setdefault(account_id, [Decimal(0), Decimal(0)])
    totals[0] += moved[Side.DEBIT]
    totals[1] += moved[Side.CREDIT]


def _lock(account_ids: list[int], locked: Mapping[int, Account] | None = None) -> dict[int, Account]:
    """Lock the accounts (in id order) except those of an enclosing ``deferred_counters`` block, whose (unlocked)
    rows as read at its start are returned instead, and those the caller already ``locked`` (and read after
    locking them)."""
    state = _deferred.get()
    deferred = {pk: state.accounts[pk] for pk in account_ids if pk in state.accounts} if state else {}
    if locked:
        deferred |= {pk: locked[pk] for pk in account_ids if pk in locked and pk not in deferred}
    to_lock = [pk for pk in account_ids if pk not in deferred]
    accounts = dict(deferred)
    if to_lock:
        # FOR NO KEY UPDATE: the foreign-key checks of other transactions' entries (FOR KEY SHARE, at their commit)
        # do not wait for it.
        accounts |= {a.pk: a for a in
                     Account.objects.select_for_update(no_key=True).filter(pk__in=to_lock).order_by("pk")}
    return accounts


def _is_deferred(account_id: int) -> bool:
    state = _deferred.get()
    return state is not None and account_id in state.accounts


def _signed(account: Account, side: str, amount: Decimal) -> Decimal:
    """``amount`` on ``side`` as a change of the account's balance (on its normal side)."""
    return amount if side == account.normal_side else -amount


def _lowest_since(accounts: dict[int, Account], account_ids: list[int], on: date) -> dict[int, tuple[Decimal, date]]:
    """For each account, its lowest end-of-day balance on ``on`` or any later day, and that day, replayed backwards
    from its balance now through its entries dated after ``on`` (one query for all of them). Entries not yet
    committed by other transactions are not seen; a no-overdraft account's other writers only add to it (or hold
    its lock), so what is not seen can only raise those balances. (In a ``journal_post_many`` batch the balance
    "now" includes the batch's earlier journals, counted as of the latest day: that can only lower the low.)"""
    rows = (
        Entry.objects.filter(account_id__in=account_ids, journal__effective_date__gt=on)
        .values("account_id", "journal__effective_date")
        .annotate(debits=Sum("amount", filter=Q(side=Side.DEBIT), default=Decimal(0)),
                  credits=Sum("amount", filter=Q(side=Side.CREDIT), default=Decimal(0)))
        .order_by("account_id", "-journal__effective_date")
    )
    moves: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in rows:
        account = accounts[row["account_id"]]
        net = _signed(account, Side.DEBIT, row["debits"]) + _signed(account, Side.CREDIT, row["credits"])
        moves[row["account_id"]].append((row["journal__effective_date"], net))
    lowest = {}
    for account_id in account_ids:
        running = accounts[account_id].balance.amount  # the end of the last day with an entry
        low, low_on = running, on
        for day, net in moves[account_id]:  # latest first
            if running < low:
                low, low_on = running, day
            running -= net  # the end of the day before ``day``'s entries
        if running < low:  # the end of ``on`` (before this journal)
            low, low_on = running, on
        lowest[account_id] = (low, low_on)
    return lowest


def _apply(accounts: dict[int, Account], normalised: list[tuple[int, str, Decimal]], effective_date: date,
           *, nothing_later: bool = False) -> None:
    """Move the (locked) accounts' counters by one journal's entries; refuse an overflow, or an overdraft of a
    no-overdraft account now or at the end of any day from ``effective_date`` on. The accounts of a
    ``deferred_counters`` block are only noted, to be moved at its end."""
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: {Side.DEBIT: Decimal(0), Side.CREDIT: Decimal(0)})
    for account_id, side, amount in normalised:
        totals[account_id][side] += amount
    state = _deferred.get()
    changes: dict[int, Decimal] = {}
    for account_id, moved in totals.items():
        if state is not None and account_id in state.accounts:
            _defer(state, account_id, moved)
            continue
        account = accounts[account_id]
        debit_total = account.debit_total.amount + moved[Side.DEBIT]
        credit_total = account.credit_total.amount + moved[Side.CREDIT]
        if max(debit_total, credit_total) > MAX_WON:
            raise _too_large(account)
        changes[account_id] = _signed(account, Side.DEBIT, moved[Side.DEBIT]) + _signed(
            account, Side.CREDIT, moved[Side.CREDIT])
    falling = [pk for pk, change in changes.items() if change < 0 and accounts[pk].no_overdraft]
    lowest = _lowest_since(accounts, falling, effective_date) if falling and not nothing_later else {}
    for account_id in falling:
        account, change = accounts[account_id], changes[account_id]
        low, low_on = lowest.get(account_id, (account.balance.amount, effective_date))
        balance = account.balance.amount
        if low + change < 0:
            if balance + change < 0:
                raise InsufficientFunds(
                    _("%(account)s holds %(balance)s; this would take it to %(after)s.")
                    % {"account": account.name, "balance": format_won(balance),
                       "after": format_won(balance + change)},
                    fields={"amount": [_("exceeds the available %(balance)s") % {"balance": format_won(balance)}]},
                )
            raise InsufficientFunds(
                _("%(account)s held only %(low)s at the end of %(day)s; a movement of %(amount)s dated %(date)s "
                  "would have taken it below zero then.")
                % {"account": account.name, "low": format_won(low), "day": low_on.isoformat(),
                   "amount": format_won(-change), "date": effective_date.isoformat()},
                fields={"amount": [_("exceeds the %(low)s available on %(day)s")
                                   % {"low": format_won(low), "day": low_on.isoformat()}]},
            )
    for account_id, change in changes.items():
        account = accounts[account_id]
        moved = totals[account_id]
        account.debit_total = Money(account.debit_total.amount + moved[Side.DEBIT], KRW)
        account.credit_total = Money(account.credit_total.amount + moved[Side.CREDIT], KRW)
        account.balance = Money(account.balance.amount + change, KRW)


def journal_post(
    *,
    lines: Sequence[Line],
    kind: str,
    effective_date: date,
    idempotency_key: str,
    actor: Any = None,
    memo: str = "",
    reverses: Journal | None = None,
    locked: Mapping[int, Account] | None = None,
    key_is_new: bool = False,
    nothing_later: bool = False,
) -> Posted:
    """Post a balanced journal. Raises Unbalanced, ValidationFailed, NotFound, InsufficientFunds,
    IdempotencyConflict.

    A hot path (a repayment) may tell what it already knows, to spare the round trips: ``locked``, accounts it
    holds the row locks of and read after taking them (not locked or read again); ``key_is_new``, that no journal
    can have this key (it derives it from a key of its own that it found unused, under a lock every writer of that
    key takes: no replay check, no savepoint for a racing insert); ``nothing_later``, that no account of the
    journal has an entry dated after ``effective_date`` (the past-overdraft replay is not needed)."""
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValidationFailed(_("Bad idempotency key."), fields={"idempotency_key": [_("1 to 200 characters")]})
    normalised = _normalise(lines)
    fingerprint = _fingerprint(
        kind=kind,
        effective_date=effective_date,
        memo=memo,
        reverses_id=reverses.pk if reverses else None,
        lines=normalised,
    )
    existing = None if key_is_new else _replay(idempotency_key, fingerprint)
    if existing is not None:
        return Posted(existing, created=False)

    account_ids = sorted({account_id for account_id, _side, _amount in normalised})
    # With key_is_new nothing below can fail halfway through a write that a caller could go on after: no savepoint.
    with transaction.atomic(savepoint=not key_is_new):
        accounts = _lock(account_ids, locked)
        missing = [pk for pk in account_ids if pk not in accounts]
        if missing:
            ids = ", ".join(str(pk) for pk in missing)
            raise NotFound(
                _("No such account: %(ids)s.") % {"ids": ids},
                fields={"lines": [_("unknown account %(ids)s") % {"ids": ids}]},
            )
        books = {a.book_id for a in accounts.values()}
        if len(books) != 1:
            raise ValidationFailed(
                _("All entries of a journal must be in one book."),
                fields={"lines": [_("accounts of different books")]},
            )
        # A concurrent request with the same key may have committed while we waited for the locks.
        existing = None if key_is_new else _replay(idempotency_key, fingerprint)
        if existing is not None:
            return Posted(existing, created=False)

        _apply(accounts, normalised, effective_date, nothing_later=nothing_later)

        try:
            with transaction.atomic(savepoint=not key_is_new):
                journal = Journal.objects.create(
                    book_id=books.pop(),
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                    kind=kind,
                    effective_date=effective_date,
                    recorded_at=timezone.now(),
                    memo=memo,
                    actor=actor if getattr(actor, "is_authenticated", False) else None,
                    reverses=reverses,
                    entry_count=len(normalised),
                    total=Money(sum((a for _account, side, a in normalised if side == Side.DEBIT), Decimal(0)), KRW),
                )
        except IntegrityError:
            if key_is_new:  # the caller was wrong: the unique index refuses the key, and the transaction is over
                raise
            # Same key, different accounts, racing us: whoever committed first wins.
            existing = _replay(idempotency_key, fingerprint)
            if existing is not None:
                return Posted(existing, created=False)
            raise
        Entry.objects.bulk_create(
            Entry(journal=journal, account_id=account_id, side=side, amount=Money(amount, KRW))
            for account_id, side, amount in normalised
        )
        update_rows(Account, [accounts[pk] for pk in account_ids if not _is_deferred(pk)],
                    ["debit_total", "credit_total", "balance"])
    return Posted(journal, created=True)


@dataclass(frozen=True)
class JournalSpec:
    """One journal of a batch for ``journal_post_many``."""

    lines: Sequence[Line]
    kind: str
    effective_date: date
    idempotency_key: str
    memo: str = ""


def journal_post_many(*, specs: Sequence[JournalSpec], actor: Any = None) -> list[Posted]:
    """Post many journals at once, for batch jobs such as the close of business: the same rules as ``journal_post``
    for each journal (balanced, one book, idempotent by key, no overdraft checked journal by journal in the given
    order, totals within 18 digits), with one lock of all their accounts (in id order) and bulk inserts. All or
    nothing. Raises what ``journal_post`` raises."""
    prepared = []
    for spec in specs:
        if not spec.idempotency_key or len(spec.idempotency_key) > 200:
            raise ValidationFailed(_("Bad idempotency key."), fields={"idempotency_key": [_("1 to 200 characters")]})
        normalised = _normalise(spec.lines)
        fingerprint = _fingerprint(kind=spec.kind, effective_date=spec.effective_date, memo=spec.memo,
                                   reverses_id=None, lines=normalised)
        prepared.append((spec, normalised, fingerprint))
    keys = [spec.idempotency_key for spec, _n, _f in prepared]
    if len(set(keys)) != len(keys):
        raise ValidationFailed(_("Bad idempotency key."), fields={"idempotency_key": [_("used twice in one batch")]})
    if not prepared:
        return []
    account_ids = sorted({account_id for _s, normalised, _f in prepared for account_id, _side, _a in normalised})
    with transaction.atomic():
        accounts = _lock(account_ids)
        missing = [pk for pk in account_ids if pk not in accounts]
        if missing:
            ids = ", ".join(str(pk) for pk in missing)
            raise NotFound(_("No such account: %(ids)s.") % {"ids": ids},
                           fields={"lines": [_("unknown account %(ids)s") % {"ids": ids}]})
        existing = {j.idempotency_key: j for j in Journal.objects.filter(idempotency_key__in=keys)}
        results: list[Posted | None] = []
        new: list[tuple[JournalSpec, list[tuple[int, str, Decimal]], str, int]] = []
        touched: set[int] = set()
        for spec, normalised, fingerprint in prepared:
            found = existing.get(spec.idempotency_key)
            if found is not None:
                if found.fingerprint != fingerprint:
                    raise IdempotencyConflict(
                        _("Idempotency key %(key)s was already used for a different journal (J%(journal)s).")
                        % {"key": repr(spec.idempotency_key), "journal": found.pk},
                        fields={"idempotency_key": [_("already used with different content")]},
                    )
                results.append(Posted(found, created=False))
                continue
            books = {accounts[account_id].book_id for account_id, _side, _a in normalised}
            if len(books) != 1:
                raise ValidationFailed(_("All entries of a journal must be in one book."),
                                       fields={"lines": [_("accounts of different books")]})
            _apply(accounts, normalised, spec.effective_date)
            touched.update(account_id for account_id, _side, _a in normalised)
            new.append((spec, normalised, fingerprint, books.pop()))
            results.append(None)
        now = timezone.now()
        user = actor if getattr(actor, "is_authenticated", False) else None
        journals = Journal.objects.bulk_create([
            Journal(
                book_id=book_id, idempotency_key=spec.idempotency_key, fingerprint=fingerprint, kind=spec.kind,
                effective_date=spec.effective_date, recorded_at=now, memo=spec.memo, actor=user,
                entry_count=len(normalised),
                total=Money(sum((a for _account, side, a in normalised if side == Side.DEBIT), Decimal(0)), KRW),
            )
            for spec, normalised, fingerprint, book_id in new
        ])
        Entry.objects.bulk_create(
            Entry(journal=journal, account_id=account_id, side=side, amount=Money(amount, KRW))
            for journal, (_spec, normalised, _f, _b) in zip(journals, new, strict=True)
            for account_id, side, amount in normalised
        )
        Account.objects.bulk_update([accounts[pk] for pk in sorted(touched) if not _is_deferred(pk)],
                                    ["debit_total", "credit_total", "balance"])
    created = iter(journals)
    return [r if r is not None else Posted(next(created), created=True) for r in results]


def journal_reverse(
    *, journal_id: int, effective_date: date, reason: str, actor: Any = None, idempotency_key: str | None = None
) -> Posted:
    """Post the mirror of a journal (every debit a credit and back). A journal is reversed at most once.
    Raises NotFound, InvalidState, InsufficientFunds, IdempotencyConflict."""
    reason = require_reason(reason)
    with transaction.atomic():
        original = Journal.objects.select_for_update(no_key=True).filter(pk=journal_id).first()
        if original is None:
            raise NotFound(_("No such journal: J%(journal)s.") % {"journal": journal_id})
        key = idempotency_key or f"reversal:J{original.pk}"
        if original.reverses_id is not None:
            raise InvalidState(
                _("J%(journal)s is itself a reversal; post a new journal instead.") % {"journal": original.pk}
            )
        reversal = Journal.objects.filter(reverses=original).first()
        if reversal is not None and reversal.idempotency_key != key:
            raise InvalidState(
                _("J%(journal)s was already reversed by J%(reversal)s.")
                % {"journal": original.pk, "reversal": reversal.pk}
            )
        lines = [
            Line(entry.account_id, Side.CREDIT if entry.side == Side.DEBIT else Side.DEBIT, entry.amount.amount)
            for entry in original.entries.order_by("id")
        ]
        return journal_post(
            lines=lines,
            kind="reversal",
            effective_date=effective_date,
            idempotency_key=key,
            actor=actor,
            memo=reason[:500],
            reverses=original,
        )
