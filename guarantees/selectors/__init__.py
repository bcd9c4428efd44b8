"""The special guarantees' reads, one module per topic (each step of the instrument adds its own); everything is
importable from ``guarantees.selectors``."""

from .fees import (
    EnterpriseFees,
    Owed,
    PayerFees,
    ProgramFees,
    city_fee_batches_of,
    enterprise_fees_owed,
    fee_bills_of,
    fee_bills_visible_to,
    firm_owed,
    program_fees,
)
from .programs import ProgramPosition, contributions_of, program_position, programs_all

__all__ = ["ProgramPosition", "contributions_of", "program_position", "programs_all"]
__all__ += ["EnterpriseFees", "Owed", "PayerFees", "ProgramFees", "city_fee_batches_of", "enterprise_fees_owed",
            "fee_bills_of", "fee_bills_visible_to", "firm_owed", "program_fees"]
