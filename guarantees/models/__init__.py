"""The special guarantees' models, one module per topic (each step of the instrument adds its own):

- ``programs``: programs (특례보증 사업) and their contributions;
- ``guarantees``: applications, guarantees on bank loans, the loans' reported balances;
- ``fees``: fee bills per guarantee year (보증료), their payments by the enterprise and the city, refunds.

Everything is importable from ``guarantees.models``.
"""

from .fees import CityFeeBatch, FeeBill, FeePayment, FeeRefund, Payer
from .guarantees import MAX_TERM_MONTHS, Guarantee, GuaranteeApplication, GuaranteeBalance, RepaymentMethod
from .programs import (
    MAX_RATE,
    ROUNDING_MODE_CHOICES,
    ROUNDING_MODES,
    ROUNDING_UNIT_CHOICES,
    ROUNDING_UNITS,
    ContributionSource,
    GuaranteeProgram,
    ProgramContribution,
    SubsidyPayee,
)

__all__ = [
    "MAX_RATE", "MAX_TERM_MONTHS", "ROUNDING_MODES", "ROUNDING_MODE_CHOICES", "ROUNDING_UNITS", "ROUNDING_UNIT_CHOICES",
    "CityFeeBatch", "ContributionSource", "FeeBill", "FeePayment", "FeeRefund", "Guarantee", "GuaranteeApplication",
    "GuaranteeBalance", "GuaranteeProgram", "Payer", "ProgramContribution", "RepaymentMethod", "SubsidyPayee",
]
