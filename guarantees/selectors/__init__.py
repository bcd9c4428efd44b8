"""The special guarantees' reads, one module per topic (each step of the instrument adds its own); everything is
importable from ``guarantees.selectors``."""

from .claims import (
    ProgramClaims,
    RecoursePosition,
    claims_visible_to,
    face_amount,
    program_claims,
    recourse_by_enterprise,
    recourse_position,
    recoveries_of,
)
from .programs import ProgramPosition, contributions_of, program_position, programs_all

__all__ = [
    "ProgramClaims", "ProgramPosition", "RecoursePosition", "claims_visible_to", "contributions_of", "face_amount",
    "program_claims", "program_position", "programs_all", "recourse_by_enterprise", "recourse_position",
    "recoveries_of",
]
