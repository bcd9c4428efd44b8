"""What every contest write checks the same way. (The checks every instrument shares are the kernel's:
``core.money.won_input``, ``core.inputs.check_key`` and ``digest``, ``core.inputs.require_reason``.)"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.errors import InvalidState, ValidationFailed

from ..models import PHASE_ORDER, Contest


def fail(field: str, message: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [rule]})


def require_phase(contest: Contest, *phases: str, doing: Any) -> None:
    """InvalidState (409) naming the contest's phase unless it is one of ``phases``."""
    if contest.phase not in phases:
        raise InvalidState(
            _("%(doing)s is not possible while the contest is in its %(phase)s phase.")
            % {"doing": doing, "phase": contest.get_phase_display()},
            fields={"phase": [_("is %(phase)s") % {"phase": contest.phase}]},
        )


def phase_index(phase: str) -> int:
    return PHASE_ORDER.index(phase)
