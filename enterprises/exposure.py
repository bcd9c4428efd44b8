"""What an enterprise owes under every instrument (여신 노출), read through one registry.

A per-firm limit counts what the firm already owes everywhere: its revolving-fund loans, its guaranteed bank loans,
and so on. The instruments never import each other (import-linter ``independence``), so each one registers here, in
the kernel, a *reader* (usually from its ``AppConfig.ready()``), and a limit check asks the registry::

    # funds/apps.py
    exposure.register("funds", selectors.exposure_by_enterprise, label=_("Revolving funds"))

    # guarantees/services.py, with the enterprise's row locked
    owed = exposure.exposure_of(enterprise_id).total

A reader takes a collection of enterprise ids and returns, for each, what the enterprise owes under that instrument
in whole won (a ``Decimal``); an id it leaves out owes nothing there. Readers are read-only selectors: they take no
locks and write nothing, and each answers for any number of enterprises in a fixed number of queries, because
``exposures_of`` calls each reader once for all the ids it is given.

A caller that checks a limit against the exposure must hold the enterprise's row lock (``SELECT ... FOR NO KEY
UPDATE`` on ``enterprises_enterprise``; the funds take it in ``funds.locks.lock_application``), and every write that
adds to an enterprise's exposure must take that lock too: then two approvals for one enterprise, in any two
instruments, are serialised, and the second reads what the first added rather than both passing the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

ZERO = Decimal(0)

Label = str | Promise  # a lazily translated name (gettext_lazy) is rendered in the language of the request
Reader = Callable[[Collection[int]], Mapping[int, Decimal]]


@dataclass(frozen=True)
class Instrument:
    """One registered instrument: its ``name`` (a stable key, e.g. ``funds``), its ``label`` for people, and the
    reader of its exposure."""

    name: str
    label: Label
    reader: Reader


@dataclass(frozen=True)
class ExposurePart:
    """What an enterprise owes under one instrument."""

    name: str
    label: Label
    amount: Decimal


@dataclass(frozen=True)
class Exposure:
    """What an enterprise owes under every registered instrument, in registration order, and the total."""

    enterprise_id: int
    parts: tuple[ExposurePart, ...]

    @property
    def total(self) -> Decimal:
        return sum((part.amount for part in self.parts), ZERO)

    def amount_of(self, name: str) -> Decimal:
        """What is owed under the instrument ``name`` (0 if it is not registered)."""
        return next((part.amount for part in self.parts if part.name == name), ZERO)


_instruments: dict[str, Instrument] = {}  # in registration order


def register(name: str, reader: Reader, *, label: Label) -> None:
    """Register ``reader`` as the way to read instrument ``name``'s exposure. Registering the same name again with
    the same reader and label does nothing (``ready()`` may run more than once); with another reader or label it
    raises ImproperlyConfigured, so that two instruments cannot silently share a name."""
    if not name:
        raise ImproperlyConfigured("An exposure reader needs a name.")
    if not callable(reader):
        raise ImproperlyConfigured(f"The exposure reader of {name!r} is not callable: {reader!r}.")
    instrument = Instrument(name=name, label=label, reader=reader)
    existing = _instruments.get(name)
    if existing is None:
        _instruments[name] = instrument
    elif existing != instrument:
        raise ImproperlyConfigured(
            f"An exposure reader is already registered as {name!r} ({existing.reader!r}, label {existing.label!r}); "
            f"refusing {reader!r}, label {label!r}."
        )


def instruments() -> tuple[Instrument, ...]:
    """The registered instruments, in registration order."""
    return tuple(_instruments.values())


def exposures_of(enterprise_ids: Iterable[int]) -> dict[int, Exposure]:
    """The exposure of each of ``enterprise_ids`` (every one given gets one, zero if it owes nothing), calling each
    reader once for all of them. Reads only: a limit check must hold the enterprise's row lock (module docstring)."""
    ids = tuple(sorted(set(enterprise_ids)))
    if not ids:
        return {}
    amounts = [(instrument, instrument.reader(ids)) for instrument in _instruments.values()]
    return {
        enterprise_id: Exposure(
            enterprise_id=enterprise_id,
            parts=tuple(
                ExposurePart(name=instrument.name, label=instrument.label,
                             amount=Decimal(owed.get(enterprise_id, ZERO)))
                for instrument, owed in amounts
            ),
        )
        for enterprise_id in ids
    }


def exposure_of(enterprise_id: int) -> Exposure:
    """The exposure of one enterprise under every registered instrument (``exposures_of`` for one id)."""
    return exposures_of([enterprise_id])[enterprise_id]
