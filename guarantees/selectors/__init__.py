"""The special guarantees' reads, one module per topic (each step of the instrument adds its own); everything is
importable from ``guarantees.selectors``."""

from .programs import ProgramPosition, contributions_of, program_position, programs_all

__all__ = ["ProgramPosition", "contributions_of", "program_position", "programs_all"]
