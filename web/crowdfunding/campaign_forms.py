"""The forms of the campaigns' pages: a campaign (펀딩 캠페인) and its reward tiers (리워드) in the enterprise portal,
a matching pool (매칭 펀드) and its edits, its funders and their money, a payout (정산금 지급) and a pool's return paid
to its funder (반환금 지급) in the console. They read and shape input; the services decide (the dates within the
funding phase, the amounts, the rule's fields, the idempotency)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import Bank, Campaign, CampaignMode, MatchingPool, PoolRule, RewardTier
from enterprises.models import Institution
from web.common.forms import DateField, IdempotentForm, WonField


def _won_text(money: Any) -> str:
    return "" if money is None else f"{int(money.amount):,}"


class CampaignForm(forms.Form):
    """A campaign: its title and story, how pledges are paid, the target, the smallest pledge, the most one backer
    may pledge, and its dates (within the contest's funding phase)."""

    title = forms.CharField(label=_("Title of the campaign"), max_length=200)
    story = forms.CharField(label=_("Story (소개)"), max_length=20000, required=False,
                            widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("What the campaign funds, for whom, and what backers get."))
    mode = forms.ChoiceField(label=_("Payment mode"), choices=CampaignMode.choices,
                             help_text=_("All or nothing: pledges are charged only if the target is reached. Keep it "
                                         "all: each pledge is charged at once. Fixed at launch."))
    target = WonField(label=_("Target (목표 금액)"), help_text=_("Fixed at launch. In won, e.g. 10,000,000"))
    min_pledge = WonField(label=_("Smallest pledge (최소 후원금)"), initial="1,000")
    max_per_backer = WonField(label=_("Most one backer may pledge (1인 한도)"), required=False,
                              help_text=_("Empty: no limit."))
    starts_on = DateField(label=_("Starts on"))
    ends_on = DateField(label=_("Ends on"))

    def __init__(self, *args: Any, funding: tuple[Any, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if funding is not None:
            first, last = funding
            self.fields["starts_on"].help_text = _("The funding phase runs from %(first)s to %(last)s.") % {
                "first": first.isoformat(), "last": last.isoformat()}

    @staticmethod
    def initial_of(campaign: Campaign) -> dict[str, Any]:
        return {"title": campaign.title, "story": campaign.story, "mode": campaign.mode,
                "target": _won_text(campaign.target), "min_pledge": _won_text(campaign.min_pledge),
                "max_per_backer": _won_text(campaign.max_per_backer), "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on}


class RewardForm(forms.Form):
    """A reward tier: what a pledge of at least its price may claim, and how many there are."""

    title = forms.CharField(label=_("Reward"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    price = WonField(label=_("Price (최소 후원금)"))
    stock = forms.IntegerField(label=_("Stock (수량)"), required=False, min_value=1,
                               help_text=_("Empty: unlimited."))
    position = forms.IntegerField(label=_("Position in the list"), required=False, min_value=0, initial=0)

    @staticmethod
    def initial_of(reward: RewardTier) -> dict[str, Any]:
        return {"title": reward.title, "description": reward.description, "price": _won_text(reward.price),
                "stock": reward.stock, "position": reward.position}


# --- the console: matching pools ------------------------------------------------------------------------------------

# Which of the form's fields each rule shows (the others are not sent to the service: a field the rule does not read
# is refused there).
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    PoolRule.MATCH: ("factor", "cap_per_pledge", "cap_per_campaign", "cap_per_campaign_percent", "cap_per_backer",
                     "trigger_percent", "trigger_backers"),
    PoolRule.TOP_UP: ("threshold",),
    PoolRule.QUADRATIC: ("qf_cap_per_campaign",),
}


class PoolForm(forms.Form):
    """A matching pool: its name, its rule and the rule's own fields, the campaigns it applies to, its rounding."""

    name = forms.CharField(label=_("Name of the pool"), max_length=200)
    rule = forms.ChoiceField(label=_("Rule"), choices=PoolRule.choices)
    campaigns = forms.ModelMultipleChoiceField(label=_("Campaigns"), queryset=Campaign.objects.none(),
                                               required=False,
                                               help_text=_("None chosen: every campaign of the contest."))
    unit = forms.TypedChoiceField(label=_("Rounding unit"), coerce=int, choices=[(1, _("1 won")), (10, _("10 won"))],
                                  initial=1)
    # pledge matching (후원 매칭)
    factor = forms.DecimalField(label=_("Match factor (매칭 배수)"), required=False, max_digits=7, decimal_places=4,
                                help_text=_("1: a pledge of 10,000 won is matched by 10,000 won."))
    cap_per_pledge = WonField(label=_("Cap per pledge"), required=False, help_text=_("Empty: none."))
    cap_per_campaign = WonField(label=_("Cap per campaign (won)"), required=False, help_text=_("Empty: none."))
    # xgettext:no-python-format (a percent sign, not a placeholder)
    cap_per_campaign_percent = forms.DecimalField(label=_("Cap per campaign (% of its target)"), required=False,
                                                  max_digits=5, decimal_places=2, help_text=_("Empty: none."))
    cap_per_backer = WonField(label=_("Cap per backer"), required=False, help_text=_("Empty: none."))
    # xgettext:no-python-format (a percent sign, not a placeholder)
    trigger_percent = forms.DecimalField(label=_("Matching starts at % of the target"), required=False,
                                         max_digits=5, decimal_places=2, help_text=_("Empty or 0: at once."))
    trigger_backers = forms.IntegerField(label=_("Matching starts at backers"), required=False, min_value=0,
                                         help_text=_("Empty or 0: at once."))
    # top-up (목표 채움)
    # xgettext:no-python-format (a percent sign, not a placeholder)
    threshold = forms.DecimalField(label=_("Top-up threshold (% of the target)"), required=False, max_digits=5,
                                   decimal_places=2,
                                   help_text=_("A campaign that reaches it by its deadline gets the rest of its "
                                               "target, e.g. 70."))
    # quadratic funding (이차 매칭)
    qf_cap_per_campaign = WonField(label=_("Quadratic cap per campaign"), required=False,
                                   help_text=_("Empty: none. What a campaign would get above it is shared again."))

    def __init__(self, *args: Any, campaigns: QuerySet[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["campaigns"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = campaigns
        for rule, names in RULE_FIELDS.items():
            for name in names:
                self.fields[name].widget.attrs["data-rule"] = rule

    def terms(self) -> dict[str, Any]:
        """The rule's fields as the service takes them: those of the rule chosen, the others left out."""
        data = self.cleaned_data
        rule = data["rule"]
        return {name: data.get(name) for name in RULE_FIELDS.get(rule, ())}

    def groups(self) -> list[tuple[str, Any, list[Any]]]:
        """The rule fields grouped by rule, for the template's fieldsets."""
        return [(rule, PoolRule(rule).label, [self[name] for name in names]) for rule, names in RULE_FIELDS.items()]

    def common(self) -> list[Any]:
        return [self[name] for name in ("name", "rule", "campaigns", "unit")]

    @staticmethod
    def initial_of(pool: MatchingPool) -> dict[str, Any]:
        """The pool as it is, for its edit form."""
        return {"name": pool.name, "rule": pool.rule, "unit": pool.unit,
                "campaigns": list(pool.campaigns.values_list("pk", flat=True)),
                "factor": pool.factor, "cap_per_pledge": _won_text(pool.cap_per_pledge),
                "cap_per_campaign": _won_text(pool.cap_per_campaign),
                "cap_per_campaign_percent": pool.cap_per_campaign_percent,
                "cap_per_backer": _won_text(pool.cap_per_backer), "trigger_percent": pool.trigger_percent,
                "trigger_backers": pool.trigger_backers, "threshold": pool.top_up_threshold_percent,
                "qf_cap_per_campaign": _won_text(pool.qf_cap_per_campaign)}


class FunderForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    committed = WonField(label=_("Committed (약정액)"), allow_zero=True, help_text=_("In won; 0 if not yet known."))

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = institutions


class FundingForm(IdempotentForm):
    """Money a funder paid into its pool; sending the form twice records it once."""

    amount = WonField(label=_("Amount received"))
    received_on = DateField(label=_("Received on"))
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)


class PayoutForm(IdempotentForm):
    """The bank paid a settlement's net payout; sending the form twice records it once."""

    paid_on = DateField(label=_("Paid on"))


class ReturnPayoutForm(IdempotentForm):
    """The bank sent a settled pool's return to its funder; sending the form twice records it once."""

    paid_on = DateField(label=_("Paid on"))


class PayoutAccountForm(forms.Form):
    """The enterprise's payout account (정산 계좌): the bank, the account number, the holder. The service checks the
    number (10 to 16 digits, dashes and spaces dropped) and the bank's code."""

    bank = forms.ChoiceField(label=_("Bank (은행)"), choices=[("", "---------"), *Bank.choices])
    account_number = forms.CharField(label=_("Account number (계좌번호)"), max_length=40,
                                     help_text=_("10 to 16 digits; dashes are dropped."),
                                     widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    holder = forms.CharField(label=_("Account holder (예금주)"), max_length=100,
                             help_text=_("As the bank has it: the enterprise's name."))

    @staticmethod
    def initial_of(account: Any) -> dict[str, Any]:
        if account is None:
            return {}
        return {"bank": account.bank, "account_number": account.account_number, "holder": account.holder}
