"""The special guarantees' reads, one module per topic (each step of the instrument adds its own); everything is
importable from ``guarantees.selectors``."""

from .guarantees import (
    EXPOSED,
    StateFigures,
    applications_visible_to,
    balances_of,
    expected_schedule,
    exposure_by_enterprise,
    guarantees_by_state,
    guarantees_visible_to,
)
from .programs import ProgramPosition, contributions_of, program_position, programs_all

__all__ = [
    "EXPOSED", "ProgramPosition", "StateFigures", "applications_visible_to", "balances_of", "contributions_of",
    "expected_schedule", "exposure_by_enterprise", "guarantees_by_state", "guarantees_visible_to",
    "program_position", "programs_all",
]
