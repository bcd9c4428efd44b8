"""The row locks of the contests' writes, and the one order they are taken in (as ``funds.locks``):

1. the contest's row (its phase: every write that depends on the phase holds it, shared or not);
2. a round;
3. entries, in id order; then the rows hanging off one (a score, a conflict);
4. an advance list; an award, then its tranches;
5. a campaign; then one of its reward tiers; then one backer's totals in it (a pledge's transaction: campaign,
   reward, backer total, then the pledge itself);
6. the ledger's own account locks, taken by the journals posted.

All are FOR NO KEY UPDATE (see ``funds.locks``: foreign-key checks of rows that refer to a locked one do not wait).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.errors import NotFound

from .models import AdvanceList, Award, AwardTranche, BackerTotal, Campaign, Contest, Entry, Pledge, RewardTier, Round


def lock_contest(contest_id: int) -> Contest:
    """The contest's row (with its book, unlocked). Raises NotFound."""
    contest = (Contest.objects.select_for_update(no_key=True, of=("self",)).select_related("book")
               .filter(pk=contest_id).first())
    if contest is None:
        raise NotFound(_("No such contest."))
    return contest


def lock_round(round_id: int) -> Round:
    judged = Round.objects.select_for_update(no_key=True).filter(pk=round_id).first()
    if judged is None:
        raise NotFound(_("No such judging round."))
    return judged


def lock_entry(entry_id: int) -> Entry:
    entry = Entry.objects.select_for_update(no_key=True).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("No such contest entry."))
    return entry


def lock_entries(entry_ids: Iterable[int]) -> list[Entry]:
    return list(Entry.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(entry_ids))).order_by("pk"))


def lock_advance_list(list_id: int) -> AdvanceList:
    found = AdvanceList.objects.select_for_update(no_key=True).filter(pk=list_id).first()
    if found is None:
        raise NotFound(_("No such advance list."))
    return found


def lock_award(award_id: int) -> Award:
    award = Award.objects.select_for_update(no_key=True).filter(pk=award_id).first()
    if award is None:
        raise NotFound(_("No such award."))
    return award


def lock_tranche(tranche_id: int) -> tuple[Award, AwardTranche]:
    """A tranche's award, then the tranche. Raises NotFound."""
    award_id = AwardTranche.objects.filter(pk=tranche_id).values_list("award_id", flat=True).first()
    if award_id is None:
        raise NotFound(_("No such award tranche."))
    award = lock_award(award_id)
    return award, AwardTranche.objects.select_for_update(no_key=True).get(pk=tranche_id)


def lock_campaign(campaign_id: int) -> Campaign:
    """The campaign's row. Raises NotFound."""
    found = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()
    if found is None:
        raise NotFound(_("No such campaign."))
    return found


def lock_reward(reward_id: int) -> RewardTier:
    """A reward tier's row (after its campaign's). Raises NotFound."""
    found = RewardTier.objects.select_for_update(no_key=True).filter(pk=reward_id).first()
    if found is None:
        raise NotFound(_("No such reward tier."))
    return found


def lock_backer_total(campaign_id: int, backer_id: int) -> BackerTotal:
    """One backer's totals in a campaign (after the campaign's and the reward's rows), made on its first pledge. The
    campaign's lock, held, keeps two first pledges of one backer from both making it."""
    found = BackerTotal.objects.select_for_update(no_key=True).filter(campaign_id=campaign_id,
                                                                      backer_id=backer_id).first()
    if found is None:
        found = BackerTotal.objects.create(campaign_id=campaign_id, backer_id=backer_id)
    return found


def lock_pledge(pledge_id: int) -> Pledge:
    """A pledge's row, taken last (after its campaign's, its reward's and its backer's totals when the transition
    moves them). Raises NotFound."""
    found = Pledge.objects.select_for_update(no_key=True).filter(pk=pledge_id).first()
    if found is None:
        raise NotFound(_("No such pledge."))
    return found
