"""The row locks of the special guarantees' writes, and the one order they are taken in (as ``funds.locks``):

1. the guarantee application;
2. its enterprise (approving: the enterprise's exposure across instruments must not move meanwhile; see
   ``enterprises.exposure``);
3. the program's row (its capacity in use, ``GuaranteeProgram.committed``: every write that moves it holds it);
4. guarantees, in id order;
5. the rows that hang off a guarantee: fee bills, claims, subsidy runs;
6. the ledger's own account locks, taken by the journals posted.

All are FOR NO KEY UPDATE (see ``funds.locks``: foreign-key checks of rows that refer to a locked one do not wait).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.errors import NotFound
from enterprises.models import Enterprise

from .models import Claim, Guarantee, GuaranteeApplication, GuaranteeProgram, RecourseWriteOff, SubsidyRun


def lock_application(application_id: int, *, enterprise: bool = False) -> GuaranteeApplication:
    """The application, then with ``enterprise`` its enterprise. Raises NotFound."""
    application = (GuaranteeApplication.objects.select_for_update(no_key=True).filter(pk=application_id).first())
    if application is None:
        raise NotFound(_("No such guarantee application."))
    if enterprise:
        lock_enterprise(application.enterprise_id)
    return application


def lock_enterprise(enterprise_id: int) -> Enterprise:
    return Enterprise.objects.select_for_update(no_key=True).get(pk=enterprise_id)


def lock_program(program_id: int) -> GuaranteeProgram:
    """The program's row (not its book: a journal insert takes a key-share lock on its book). Raises NotFound."""
    program = (GuaranteeProgram.objects.select_for_update(no_key=True, of=("self",)).select_related("book")
               .filter(pk=program_id).first())
    if program is None:
        raise NotFound(_("No such guarantee program."))
    return program


def lock_guarantee(guarantee_id: int) -> Guarantee:
    """The guarantee alone (its program's row is taken before it by the callers that move capacity). Raises
    NotFound."""
    guarantee = Guarantee.objects.select_for_update(no_key=True).filter(pk=guarantee_id).first()
    if guarantee is None:
        raise NotFound(_("No such guarantee."))
    return guarantee


def lock_guarantees(guarantee_ids: Iterable[int]) -> list[Guarantee]:
    """Several guarantees, in id order."""
    return list(Guarantee.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(guarantee_ids)))
                .order_by("pk"))


def lock_subsidy_run(run_id: int) -> SubsidyRun:
    """A subsidy run (with its program and book, unlocked: paying a run moves only the ledger's accounts, which the
    journal locks). Raises NotFound."""
    run = (SubsidyRun.objects.select_for_update(no_key=True, of=("self",)).select_related("program__book")
           .filter(pk=run_id).first())
    if run is None:
        raise NotFound(_("No such interest subsidy run."))
    return run


def lock_claim(claim_id: int, *, program: bool = False) -> tuple[Claim, Guarantee, GuaranteeProgram | None]:
    """A claim in the lock order: with ``program`` its program's row (a payment moves its capacity in use), then its
    guarantee, then the claim. Raises NotFound."""
    ids = Claim.objects.filter(pk=claim_id).values_list("guarantee_id", "guarantee__program_id").first()
    if ids is None:
        raise NotFound(_("No such claim."))
    guarantee_id, program_id = ids
    locked_program = lock_program(program_id) if program else None
    guarantee = lock_guarantee(guarantee_id)
    claim = Claim.objects.select_for_update(no_key=True).get(pk=claim_id)
    return claim, guarantee, locked_program


def lock_write_off(claim_id: int) -> tuple[RecourseWriteOff | None, Claim, Guarantee]:
    """A claim's guarantee, the claim, then its write-off (None when none was asked for). Raises NotFound."""
    claim, guarantee, _program = lock_claim(claim_id)
    write_off = RecourseWriteOff.objects.select_for_update(no_key=True).filter(claim=claim).first()
    return write_off, claim, guarantee
