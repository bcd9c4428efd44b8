"""The exposure registry (``enterprises.exposure``): each instrument registers how to read what an enterprise owes
under it; an enterprise's exposure is the parts in registration order and their total; each reader is called once
for any number of enterprises; a name is registered once.

These tests use fake readers on an empty registry, put back as it was after each test; the revolving funds' real
reader is tested in tests/funds/test_exposure.py."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from enterprises import exposure
from enterprises.exposure import Exposure, ExposurePart


class CountingReader:
    """A reader with fixed answers that records the ids of each call."""

    def __init__(self, owed: Mapping[int, int]) -> None:
        self.owed = owed
        self.calls: list[Collection[int]] = []

    def __call__(self, enterprise_ids: Collection[int]) -> dict[int, Decimal]:
        self.calls.append(enterprise_ids)
        return {i: Decimal(self.owed[i]) for i in enterprise_ids if i in self.owed}


@pytest.fixture
def empty_registry(monkeypatch) -> Iterator[None]:
    """No instrument registered, for this test only (monkeypatch puts the real registry back)."""
    monkeypatch.setattr(exposure, "_instruments", {})
    yield


@pytest.fixture
def loans(empty_registry) -> CountingReader:
    reader = CountingReader({1: 30_000_000, 2: 5_000_000})
    exposure.register("loans", reader, label="Loans")
    return reader


@pytest.fixture
def guarantees(loans) -> CountingReader:
    reader = CountingReader({1: 12_000_000, 3: 1})
    exposure.register("guarantees", reader, label="Guarantees")
    return reader


def test_an_enterprises_exposure_is_each_instruments_part_in_registration_order_and_their_total(loans, guarantees):
    assert exposure.exposure_of(1) == Exposure(
        enterprise_id=1,
        parts=(
            ExposurePart(name="loans", label="Loans", amount=Decimal(30_000_000)),
            ExposurePart(name="guarantees", label="Guarantees", amount=Decimal(12_000_000)),
        ),
    )
    assert exposure.exposure_of(1).total == 42_000_000
    assert exposure.exposure_of(1).amount_of("guarantees") == 12_000_000
    assert [i.name for i in exposure.instruments()] == ["loans", "guarantees"]


def test_what_a_reader_leaves_out_is_owed_nothing_there(loans, guarantees):
    assert [part.amount for part in exposure.exposure_of(2).parts] == [5_000_000, 0]
    assert [part.amount for part in exposure.exposure_of(3).parts] == [0, 1]
    nobody = exposure.exposure_of(99)
    assert [part.amount for part in nobody.parts] == [0, 0]
    assert nobody.total == 0
    assert nobody.amount_of("bonds") == 0


def test_each_reader_is_called_once_for_many_enterprises(loans, guarantees):
    ids = [*range(1, 21), 1, 2]  # twenty enterprises, two of them twice

    exposures = exposure.exposures_of(ids)

    assert len(loans.calls) == len(guarantees.calls) == 1
    assert sorted(loans.calls[0]) == sorted(guarantees.calls[0]) == list(range(1, 21))
    assert sorted(exposures) == list(range(1, 21))
    assert {i: e.total for i, e in exposures.items() if e.total} == {1: 42_000_000, 2: 5_000_000, 3: 1}
    assert all(e.enterprise_id == i for i, e in exposures.items())


def test_no_enterprises_call_no_reader(loans):
    assert exposure.exposures_of([]) == {}
    assert loans.calls == []


def test_with_no_instrument_registered_an_enterprise_owes_nothing(empty_registry):
    assert exposure.exposure_of(1) == Exposure(enterprise_id=1, parts=())
    assert exposure.exposure_of(1).total == 0


def test_registering_the_same_reader_again_changes_nothing(loans):
    exposure.register("loans", loans, label="Loans")

    assert [i.name for i in exposure.instruments()] == ["loans"]
    assert exposure.exposure_of(1).total == 30_000_000
    assert len(loans.calls) == 1


def test_another_reader_under_a_taken_name_is_refused(loans):
    with pytest.raises(ImproperlyConfigured, match="already registered as 'loans'"):
        exposure.register("loans", CountingReader({1: 1}), label="Loans")
    with pytest.raises(ImproperlyConfigured, match="already registered as 'loans'"):
        exposure.register("loans", loans, label="Other loans")

    assert exposure.instruments()[0].reader is loans
    assert exposure.exposure_of(1).total == 30_000_000


def test_a_reader_must_be_callable_and_named(empty_registry):
    with pytest.raises(ImproperlyConfigured, match="not callable"):
        exposure.register("loans", 30_000_000, label="Loans")  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="needs a name"):
        exposure.register("", CountingReader({}), label="Loans")
    assert exposure.instruments() == ()


def test_the_instruments_are_registered_when_the_apps_are_ready_and_come_back_after_a_test(monkeypatch):
    from funds.selectors import exposure_by_enterprise
    from guarantees.selectors import exposure_by_enterprise as guarantees_exposure

    registered = {i.name: i for i in exposure.instruments()}
    assert registered["funds"].reader is exposure_by_enterprise
    assert str(registered["funds"].label) == "회전기금"  # the default language is Korean
    assert registered["guarantees"].reader is guarantees_exposure
    assert str(registered["guarantees"].label) == "특례보증"
    assert [i.name for i in exposure.instruments()] == ["funds", "guarantees"]  # in INSTALLED_APPS order

    monkeypatch.setattr(exposure, "_instruments", dict(exposure._instruments))
    fake = CountingReader({})
    exposure.register("bonds", fake, label="Bonds")
    assert [i.name for i in exposure.instruments()][-3:] == ["funds", "guarantees", "bonds"]
    monkeypatch.undo()

    assert "bonds" not in {i.name for i in exposure.instruments()}
