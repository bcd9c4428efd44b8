"""A campaign's settlement at its deadline (캠페인 정산), as a pure engine: plain ``Decimal`` in and out, a frozen
dataclass out; no database, no clock. The settlement service loads the campaign's totals (from its pledges, charges
and the pools' matches), calls ``settle`` and posts what it returns.

The rules:

- **Success** (목표 달성): a campaign succeeds when its live pledges plus the money matched to them plus the pools'
  top-up reach the target: ``pledged + matched + top_up >= target``. Matched and top-up money count because they
  are what the pools promise to the campaign (a top-up exists precisely to complete the target); charges are not
  used, because an all-or-nothing (AON) campaign's pledges are only reserved at the deadline and are charged after
  it (a declined charge later cancels its pledge and returns its match, which the caller has already taken out of
  ``matched`` when it settles).
- **All-or-nothing** (``"aon"``): a failed campaign was never charged (``charged`` and ``refunded`` must be 0), pays
  no fees and nothing out; its match and top-up go back to the pools (``match_returned``, ``top_up_returned``). A
  successful one pays out as below.
- **Keep-it-all** (``"kia"``): pledges were charged at once; the campaign pays out whether or not it reached the
  target (``succeeded`` still says whether it did).
- **Fees** are computed on what the campaign collected and keeps, ``collected = charged - refunded``, each rounded
  down (절사) to ``unit`` once: ``platform_fee = floor(collected x platform_fee_rate)``, ``payment_fee =
  floor(collected x payment_fee_rate)``. A refunded charge is a cancelled card payment (승인취소 / 매입취소), on which
  the gateway keeps no fee, and the platform takes no commission on money the campaign gives back; so the payout is
  never negative. Matched and top-up money come from the institutions' pools through the ledger, not through a card
  gateway or the platform's commission: no fee is taken on them, the public money reaches the enterprise in full.
  What rounding drops from a fee stays with the enterprise (it is part of the payout).
- **Payout** (지급액): ``net_payout = collected - platform_fee - payment_fee + matched + top_up``.

Amounts are whole won (``int`` or integral ``Decimal``), never negative, at most 18 digits; rates are Decimal
fractions (``0.05`` for 5 %) from 0 to 1 whose sum is at most 1. Anything else is refused with ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal, localcontext

ZERO = Decimal(0)
ONE = Decimal(1)
MODES = ("aon", "kia")
MAX_AMOUNT = Decimal(10) ** 18 - 1  # MoneyField(max_digits=18)
_CONTEXT = Context(prec=50, rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class Settlement:
    """A campaign's settlement figures (정산 내역)."""

    mode: str  # "aon" all-or-nothing, "kia" keep-it-all
    target: Decimal
    counted: Decimal  # pledged + matched + top_up: what is measured against the target
    succeeded: bool  # counted >= target
    pledged: Decimal  # live pledges at the deadline
    charged: Decimal  # charged to backers' cards
    failed: Decimal  # charges declined for good (their pledges cancelled)
    refunded: Decimal  # charged and given back
    collected: Decimal  # charged - refunded: what the campaign keeps from backers, the fees' base
    platform_fee: Decimal  # 플랫폼 수수료
    payment_fee: Decimal  # 결제 수수료
    matched: Decimal  # match money paid to the campaign (0 for a failed AON campaign)
    top_up: Decimal  # top-up paid to the campaign (0 for a failed AON campaign)
    match_returned: Decimal  # match money going back to the pools
    top_up_returned: Decimal  # top-up going back to the pools
    net_payout: Decimal  # what the enterprise receives

    @property
    def pays_out(self) -> bool:
        """Whether the campaign is paid (a keep-it-all campaign always; an all-or-nothing one when it succeeded)."""
        return self.mode == "kia" or self.succeeded


def _won(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{what} must be a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite() or number < 0 or number != number.to_integral_value() or number > MAX_AMOUNT:
        raise ValueError(f"{what} must be a whole, non-negative number of won of at most 18 digits")
    return number.quantize(ONE)


def _rate(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{what} must be a Decimal, not {type(value).__name__}")
    rate = Decimal(value)
    if not rate.is_finite() or not ZERO <= rate <= ONE:
        raise ValueError(f"{what} must be between 0 and 1")
    return rate


def _fee(base: Decimal, rate: Decimal, unit: int) -> Decimal:
    with localcontext(_CONTEXT):
        return (base * rate / unit).to_integral_value(rounding=ROUND_FLOOR) * unit


def settle(*, target: Decimal, mode: str, pledged: Decimal, charged: Decimal, failed: Decimal, refunded: Decimal,
           matched: Decimal, top_up: Decimal, platform_fee_rate: Decimal, payment_fee_rate: Decimal,
           unit: Decimal = Decimal(1)) -> Settlement:
    """Settle one campaign (see the module's rules). Raises ValueError on a mode other than "aon" or "kia", amounts
    that are not whole, non-negative won, a target of zero, rates outside 0..1 or adding up to more than 1, a unit
    other than 1, 10 or 100, more refunded than charged, an all-or-nothing campaign charged or declined for more
    than was pledged, or a failed all-or-nothing campaign that was charged."""
    if mode not in MODES:
        raise ValueError(f"the mode must be one of {MODES}, not {mode!r}")
    goal = _won(target, "the target")
    if goal == 0:
        raise ValueError("the target must be above zero")
    live = _won(pledged, "pledged")
    took = _won(charged, "charged")
    declined = _won(failed, "failed")
    gave_back = _won(refunded, "refunded")
    match = _won(matched, "matched")
    extra = _won(top_up, "top_up")
    platform_rate = _rate(platform_fee_rate, "the platform fee rate")
    payment_rate = _rate(payment_fee_rate, "the payment fee rate")
    if platform_rate + payment_rate > ONE:
        raise ValueError("the fee rates must add up to at most 1")
    step = int(_won(unit, "the rounding unit"))
    if step not in (1, 10, 100):
        raise ValueError("the rounding unit must be 1, 10 or 100 won")
    if gave_back > took:
        raise ValueError("refunded must not be more than charged")
    if mode == "aon" and took + declined > live:
        raise ValueError("an all-or-nothing campaign charges only its live pledges: charged + failed > pledged")
    counted = live + match + extra
    succeeded = counted >= goal
    if mode == "aon" and not succeeded:
        if took or gave_back:
            raise ValueError("a failed all-or-nothing campaign is never charged")
        return Settlement(mode=mode, target=goal, counted=counted, succeeded=False, pledged=live, charged=ZERO,
                          failed=declined, refunded=ZERO, collected=ZERO, platform_fee=ZERO, payment_fee=ZERO,
                          matched=ZERO, top_up=ZERO, match_returned=match, top_up_returned=extra, net_payout=ZERO)
    collected = took - gave_back
    platform_fee = _fee(collected, platform_rate, step)
    payment_fee = _fee(collected, payment_rate, step)
    return Settlement(mode=mode, target=goal, counted=counted, succeeded=succeeded, pledged=live, charged=took,
                      failed=declined, refunded=gave_back, collected=collected, platform_fee=platform_fee,
                      payment_fee=payment_fee, matched=match, top_up=extra, match_returned=ZERO, top_up_returned=ZERO,
                      net_payout=collected - platform_fee - payment_fee + match + extra)
