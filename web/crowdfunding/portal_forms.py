"""The enterprise portal's forms for the contests: an entry (참가 신청) and a line of a spending report (집행 내역).
They read and shape input; the services decide (the call's window, the enterprise's eligibility, the target's range,
the team's size, the recommending partner; the evidence file's kind and size, the spending date)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import CampaignType, Contest, Entry, SpendingItem
from crowdfunding.selectors import partners_of
from enterprises.models import Enterprise
from web.common.format import won
from web.common.forms import DateField, WonField

MAX_TEAM_LINES = 40  # the service allows 20 people; more lines than this is not a team, and is refused here


def team_text(team: list[dict[str, str]] | None) -> str:
    """The team as the form shows it: one person per line, ``name, role``."""
    return "\n".join(f"{person.get('name', '')}, {person.get('role', '')}" for person in team or [])


class TeamField(forms.CharField):
    """The people on the project, one per line: a name, a comma, a role (``김하나, 대표``). Blank lines are skipped;
    how many people a team may have is the service's rule."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 4000)
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> list[dict[str, str]]:
        text = super().clean(value) or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_TEAM_LINES:
            raise ValidationError(_("At most %(max)s lines.") % {"max": MAX_TEAM_LINES})
        team = []
        for number, line in enumerate(lines, start=1):
            name, comma, role = line.partition(",")
            if not comma or not name.strip() or not role.strip():
                raise ValidationError(
                    _("Line %(number)s: a name, a comma and a role (e.g. 김하나, 대표).") % {"number": number})
            team.append({"name": name.strip(), "role": role.strip()})
        return team


class EntryForm(forms.Form):
    """An entry: for a new one, which of the member's enterprises enters; then the project, its target and campaign
    type, the team, and the partner institution that recommends it (optional)."""

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    title = forms.CharField(label=_("Title of the project"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What the project does, for whom, and the social value it makes."))
    use_of_funds = forms.CharField(label=_("What the money is for (자금 사용 계획)"), max_length=4000,
                                   widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text=_("e.g. equipment 60 %, materials 30 %, marketing 10 %."))
    target_amount = WonField(label=_("Target amount (목표 금액)"))
    campaign_type = forms.ChoiceField(label=_("Campaign type for the funding phase"), choices=CampaignType.choices,
                                      help_text=_("Reward: backers get something back; donation: they give."))
    team = TeamField(label=_("Team"),
                     help_text=_("One person per line: a name, a comma and a role (e.g. 김하나, 대표)."))
    partner = forms.TypedChoiceField(label=_("Recommending partner (추천기관)"), coerce=int, required=False,
                                     empty_value=None,
                                     help_text=_("A partner institution of the contest that recommends or mentors "
                                                 "the project, if any. Its staff will not judge your entry."))

    def __init__(self, *args: Any, contest: Contest, enterprises: QuerySet[Enterprise] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enterprise_field = self.fields["enterprise"]
        assert isinstance(enterprise_field, forms.ModelChoiceField)
        if enterprises is None:  # editing: the entry's enterprise does not change
            del self.fields["enterprise"]
        else:
            enterprise_field.queryset = enterprises
            only = list(enterprises[:2])
            if len(only) == 1:  # the usual case: one enterprise, chosen already
                enterprise_field.empty_label = None
                enterprise_field.initial = only[0].pk
        target = self.fields["target_amount"]
        target.help_text = _("From %(min)s to %(max)s, in won.") % {"min": won(contest.target_min),
                                                                  "max": won(contest.target_max)}
        partner = self.fields["partner"]
        assert isinstance(partner, forms.TypedChoiceField)
        partner.choices = [("", _("None")), *[(p.institution_id, p.institution.name)
                                              for p in partners_of(contest)]]

    @staticmethod
    def initial_of(entry: Entry) -> dict[str, Any]:
        return {"title": entry.title, "summary": entry.summary, "use_of_funds": entry.use_of_funds,
                "target_amount": f"{int(entry.target_amount.amount):,}", "campaign_type": entry.campaign_type,
                "team": team_text(entry.team), "partner": entry.partner_id or ""}


class SpendingForm(forms.Form):
    """A line of the report on how a tranche was spent: what, how much, when, and its evidence (a receipt, an
    invoice, a contract: a PDF, JPEG or PNG of up to 10 MB)."""

    amount = WonField(label=_("Amount spent"))
    category = forms.ChoiceField(label=_("Category"), choices=SpendingItem.Category.choices)
    description = forms.CharField(label=_("What it was spent on"), max_length=300)
    spent_on = DateField(label=_("Spent on"))
    evidence = forms.FileField(label=_("Evidence (증빙)"),
                               help_text=_("A receipt, an invoice or a contract: PDF, JPEG or PNG, up to 10 MB."),
                               widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
