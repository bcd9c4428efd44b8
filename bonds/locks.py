"""The row locks of the social impact bonds' writes, and the one order they are taken in (as ``guarantees.locks``):

1. the contract's row (its counters: capital called and paid in, disbursed, outcome paid, distributed; every write
   that moves money or changes its state holds it, so the writes of one contract queue up behind each other);
2. its investments, in id order;
3. the rows that hang off the contract: capital call lines, results, outcome payments;
4. the ledger's own account locks, taken by the journals posted.

All are FOR NO KEY UPDATE (see ``funds.locks``: foreign-key checks of rows that refer to a locked one do not wait).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import NotFound

from .models import Contract, Investment


def contract_id_of(model: type, pk: object, field: str = "contract_id") -> int:
    """The contract id of a row of ``model`` (read without a lock, to lock the contract first). Raises NotFound."""
    found = (model.objects.filter(pk=pk).values_list(field, flat=True).first()  # type: ignore[attr-defined]
             if isinstance(pk, int) and not isinstance(pk, bool) else None)
    if found is None:
        raise NotFound(_("No such %(what)s.") % {"what": model._meta.verbose_name})  # type: ignore[attr-defined]
    return int(found)


def lock_contract(contract_id: int) -> Contract:
    """The contract's row (with its book, unlocked: a journal insert takes a key-share lock on its book). Raises
    NotFound."""
    contract = (Contract.objects.select_for_update(no_key=True, of=("self",)).select_related("book")
                .filter(pk=contract_id).first()
                if isinstance(contract_id, int) and not isinstance(contract_id, bool) else None)
    if contract is None:
        raise NotFound(_("No such social impact bond contract."))
    return contract


def lock_investments(contract: Contract) -> list[Investment]:
    """The contract's investments, in id order (their investors loaded), under the contract's lock."""
    return list(Investment.objects.select_for_update(no_key=True, of=("self",)).select_related("investor")
                .filter(contract=contract).order_by("pk"))
