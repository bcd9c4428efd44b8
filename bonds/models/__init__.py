"""The social impact bonds' models, one module per topic:

- ``contracts``: contracts (협약) and investments (투자 약정);
- ``capital``: capital calls and their lines per investor, disbursements to the provider;
- ``outcomes``: metrics, payment terms (rate cards, achievement tables), evaluation points, results and evidence;
- ``payments``: outcome payments from the city's budget, distributions to investors.

Everything is importable from ``bonds.models``.
"""

from .capital import CapitalCall, CapitalCallLine, Disbursement
from .contracts import (
    ROUNDING_MODES,
    ROUNDING_UNITS,
    Contract,
    DistributionMode,
    Investment,
    ShareClass,
)
from .outcomes import (
    INDIGO_VALIDATION_METHOD,
    EvaluationPoint,
    Metric,
    PaymentStep,
    PaymentTerm,
    Result,
    ResultEvidence,
    ValidationMethod,
)
from .payments import Distribution, DistributionLine, OutcomePayment

__all__ = [
    "INDIGO_VALIDATION_METHOD",
    "ROUNDING_MODES",
    "ROUNDING_UNITS",
    "CapitalCall",
    "CapitalCallLine",
    "Contract",
    "Disbursement",
    "Distribution",
    "DistributionLine",
    "DistributionMode",
    "EvaluationPoint",
    "Investment",
    "Metric",
    "OutcomePayment",
    "PaymentStep",
    "PaymentTerm",
    "Result",
    "ResultEvidence",
    "ShareClass",
    "ValidationMethod",
]
