"""The special guarantees' models, one module per topic (each step of the instrument adds its own):

- ``programs``: programs (특례보증 사업) and their contributions;
- ``guarantees``: applications, guarantees on bank loans, the loans' reported balances;
- ``subsidies``: interest subsidies (이차보전): the budget, runs and their lines;
- ``claims``: claims (대위변제), the 구상채권 they open, recoveries (구상) and write-offs.
- ``fees``: fee bills per guarantee year (보증료), their payments by the enterprise and the city, refunds.

Everything is importable from ``guarantees.models``.
"""

from .claims import Claim, RecourseWriteOff, Recovery
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
from .subsidies import SubsidyBudget, SubsidyLine, SubsidyPeriod, SubsidyRun

__all__ = [
    "MAX_RATE",
    "MAX_TERM_MONTHS",
    "ROUNDING_MODES",
    "ROUNDING_MODE_CHOICES",
    "ROUNDING_UNITS",
    "ROUNDING_UNIT_CHOICES",
    "CityFeeBatch",
    "Claim",
    "ContributionSource",
    "FeeBill",
    "FeePayment",
    "FeeRefund",
    "Guarantee",
    "GuaranteeApplication",
    "GuaranteeBalance",
    "GuaranteeProgram",
    "Payer",
    "ProgramContribution",
    "RecourseWriteOff",
    "Recovery",
    "RepaymentMethod",
    "SubsidyBudget",
    "SubsidyLine",
    "SubsidyPayee",
    "SubsidyPeriod",
    "SubsidyRun",
]
