"""``core.engines.capacity``: a special guarantee program's capacity (보증한도). Known answers from the programs'
own published figures, the edges, and properties. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.engines.capacity import guarantee_capacity

EOK = 100_000_000  # 1억 won


def test_dalseong_guns_ten_eok_at_twelve_times_is_a_hundred_and_twenty_eok():
    result = guarantee_capacity(contributions=Decimal(10 * EOK), net_losses=Decimal(0), multiple=Decimal(12))

    assert result.capacity == Decimal(120 * EOK)
    assert result.available == Decimal(120 * EOK)
    assert result.used == 0
    assert result.utilisation == 0


def test_dalseo_gus_four_eok_from_the_district_and_four_from_the_bank_give_ninety_six_eok():
    result = guarantee_capacity(contributions=Decimal(4 * EOK + 4 * EOK), net_losses=Decimal(0),
                                multiple=Decimal(12))

    assert result.capacity == Decimal(96 * EOK)


def test_net_losses_eat_the_contributions_before_the_multiple():
    # 10억 paid in, 1억 of claims paid, 2천만 recovered: net assets 9.2억, x 12 = 110.4억.
    result = guarantee_capacity(contributions=Decimal(10 * EOK), net_losses=Decimal(80_000_000),
                                multiple=Decimal(12))

    assert result.net_assets == Decimal(920_000_000)
    assert result.capacity == Decimal(11_040_000_000)


def test_use_and_utilisation():
    # 120억 of capacity, 30억 used: 90억 left, a quarter used.
    result = guarantee_capacity(contributions=Decimal(10 * EOK), net_losses=Decimal(0), multiple=Decimal(12),
                                used=Decimal(30 * EOK))

    assert result.available == Decimal(90 * EOK)
    assert result.utilisation == Decimal("0.2500")


def test_a_fractional_multiple_is_floored_to_the_won():
    # 333 won x 2.5 = 832.5 won: 832.
    assert guarantee_capacity(contributions=Decimal(333), net_losses=Decimal(0),
                              multiple=Decimal("2.5")).capacity == Decimal(832)


def test_losses_beyond_the_contributions_leave_no_capacity_and_nothing_available():
    result = guarantee_capacity(contributions=Decimal(EOK), net_losses=Decimal(2 * EOK), multiple=Decimal(12),
                                used=Decimal(5 * EOK))

    assert result.capacity == 0
    assert result.available == 0
    assert result.utilisation == 0


def test_used_beyond_capacity_leaves_nothing_available():
    result = guarantee_capacity(contributions=Decimal(EOK), net_losses=Decimal(0), multiple=Decimal(1),
                                used=Decimal(2 * EOK))

    assert result.available == 0
    assert result.utilisation == Decimal("2.0000")


@pytest.mark.parametrize("multiple", [Decimal(0), Decimal(-12)])
def test_a_multiple_not_above_zero_is_refused(multiple):
    with pytest.raises(ValueError):
        guarantee_capacity(contributions=Decimal(EOK), net_losses=Decimal(0), multiple=multiple)


def test_negative_contributions_or_use_are_refused():
    with pytest.raises(ValueError):
        guarantee_capacity(contributions=Decimal(-1), net_losses=Decimal(0), multiple=Decimal(12))
    with pytest.raises(ValueError):
        guarantee_capacity(contributions=Decimal(1), net_losses=Decimal(0), multiple=Decimal(12), used=Decimal(-1))


won = st.integers(min_value=0, max_value=10**13).map(Decimal)
multiples = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50), places=2)


@given(contributions=won, losses=won, used=won, multiple=multiples)
def test_capacity_is_whole_won_never_negative_never_above_the_exact_product(contributions, losses, used, multiple):
    result = guarantee_capacity(contributions=contributions, net_losses=losses, multiple=multiple, used=used)

    assert result.capacity == result.capacity.to_integral_value()
    assert 0 <= result.capacity <= max((contributions - losses) * multiple, Decimal(0))
    assert max((contributions - losses) * multiple, Decimal(0)) - result.capacity < 1
    assert result.available == max(result.capacity - used, Decimal(0))
    assert result.available + min(used, result.capacity) == result.capacity


@given(contributions=won, used=won, multiple=multiples, loss=st.integers(min_value=1, max_value=10**9).map(Decimal))
def test_a_loss_never_raises_capacity(contributions, used, multiple, loss):
    before = guarantee_capacity(contributions=contributions, net_losses=Decimal(0), multiple=multiple, used=used)
    after = guarantee_capacity(contributions=contributions, net_losses=loss, multiple=multiple, used=used)

    assert after.capacity <= before.capacity
    assert after.available <= before.available


# --- the guaranteed share of a loan (보증금액) ----------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "ratio", "share"), [
    (30_000_000, "1.00", 30_000_000),  # 100 %: the whole loan
    (30_000_000, "0.90", 27_000_000),
    (30_000_000, "0.85", 25_500_000),
    (12_345_679, "0.85", 10_493_827),  # 12,345,679 x 0.85 = 10,493,827.15 -> floored
    (1, "0.85", 0),  # 0.85 won -> nothing
    (0, "0.90", 0),  # repaid: nothing guaranteed
])
def test_the_guaranteed_share_is_the_loan_times_the_ratio_floored_to_the_won(amount, ratio, share):
    from core.engines.capacity import guaranteed_share

    assert guaranteed_share(Decimal(amount), Decimal(ratio)) == Decimal(share)


@pytest.mark.parametrize(("amount", "ratio"), [("-1", "1"), ("0.5", "1"), ("100", "0"), ("100", "1.01")])
def test_a_share_of_a_bad_amount_or_ratio_is_refused(amount, ratio):
    from core.engines.capacity import guaranteed_share

    with pytest.raises(ValueError):
        guaranteed_share(Decimal(amount), Decimal(ratio))


@given(amount=st.integers(0, 10**15), ratio=st.integers(1, 100))
def test_the_share_is_never_more_than_the_ratio_of_the_loan_nor_a_won_less(amount, ratio):
    from core.engines.capacity import guaranteed_share

    exact = Decimal(amount) * Decimal(ratio) / 100
    share = guaranteed_share(Decimal(amount), Decimal(ratio) / 100)
    assert share == share.to_integral_value()
    assert exact - 1 < share <= exact <= amount
