"""Shapes of the judging endpoints: rounds, their rubric, panels and progress; scores and conflicts; rankings; a
judge's queue; advance lists. Parsing only; the rules are in ``crowdfunding.services.judging`` and
``crowdfunding.services.advancing``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import IdField
from core.engines import judging
from crowdfunding.models import AdvanceList, AdvanceListLine, Aggregation, Contest, Criterion, Panel, Round, RoundKind
from crowdfunding.selectors import PanelProgress, QueueItem, RankingRow, Recusal, VisibleScore

SCORE_HELP = "A score out of 100 with four decimals, as a decimal string (\"78.2000\")."


def person(user: Any) -> str:
    return user.display_name or user.username


# --- rounds -------------------------------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    key = serializers.CharField(max_length=40, help_text="Stable within the rubric: lower-case letters and digits "
                                                         "joined by hyphens or underscores (\"social-value\").")
    name = serializers.CharField(max_length=100, help_text="사회적 가치, 사업성, 실현 가능성, 지역 연계...")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.01"),
                                      help_text="The criterion's weight in the total (the weights need not add up "
                                                "to 100: a total is always out of 100).")
    max_score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.1"),
                                         max_value=Decimal(1000),
                                         help_text="The highest mark a judge may give (marks in steps of 0.1).")

    class Meta:
        model = Criterion
        fields = ["key", "name", "description", "weight", "max_score", "position"]
        read_only_fields = ["position"]


class PanelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="Unique within the round: a panel kept by name when the "
                                                           "round is set up again keeps its judges.")
    kind = serializers.ChoiceField(choices=Panel.Kind.choices)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"),
                                      max_value=Decimal(100),
                                      help_text="Its share of the combined score, in %: the panels' add up to 100.")


class JudgeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="judge_id")
    name = serializers.SerializerMethodField()

    def get_name(self, seat: Any) -> str:
        return person(seat.judge)


class PanelSerializer(serializers.ModelSerializer):
    judge_count = serializers.SerializerMethodField()
    judges = serializers.SerializerMethodField(help_text="The judges seated on it (staff only; null for a judge).")

    class Meta:
        model = Panel
        fields = ["id", "name", "kind", "weight", "judge_count", "judges"]

    def get_judge_count(self, panel: Panel) -> int:
        return len(panel.judges.all())

    @extend_schema_field(JudgeSerializer(many=True, allow_null=True))
    def get_judges(self, panel: Panel) -> list[dict[str, Any]] | None:
        if not self.context.get("staff"):
            return None
        return JudgeSerializer(panel.judges.all(), many=True).data  # type: ignore[return-value]


class RoundSerializer(serializers.ModelSerializer):
    """A judging round: its rubric, its panels, where it is."""

    contest_name = serializers.CharField(source="contest.name", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    panels = PanelSerializer(many=True, read_only=True)

    class Meta:
        model = Round
        fields = ["id", "contest", "contest_name", "kind", "aggregation", "state", "opened_at", "closed_at",
                  "closed_by", "criteria", "panels"]
        read_only_fields = fields


def _decimal_text(value: Any) -> Any:
    """A JSON number with a fraction, as its shortest decimal text (27.5 -> "27.5"): the services take Decimals and
    decimal strings, never floats."""
    return repr(value) if isinstance(value, float) else value


class _Rows(serializers.ListField):
    """A list of objects passed to the service as they came (JSON numbers with a fraction as their decimal text):
    the service checks every member and names it as ``criteria[0].weight``."""

    child = serializers.DictField()

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        rows = super().to_internal_value(data)
        return [{key: _decimal_text(value) for key, value in row.items()} for row in rows]


@extend_schema_field(CriterionSerializer(many=True))
class CriteriaField(_Rows):
    pass


@extend_schema_field(PanelInputSerializer(many=True))
class PanelsField(_Rows):
    pass


class RoundSetupSerializer(serializers.Serializer):
    contest = serializers.PrimaryKeyRelatedField(queryset=Contest.objects.order_by("pk"))
    kind = serializers.ChoiceField(choices=RoundKind.choices,
                                   help_text="screening (서류심사) or final (본선): one round of each per contest.")
    aggregation = serializers.ChoiceField(
        choices=Aggregation.choices, required=False, default=Aggregation.TRIMMED,
        help_text="How a panel's judges' scores make its result: mean; trimmed (one highest and one lowest dropped "
                  "when at least 5 judges scored); zscore (each judge's scores rescaled to the panel's mean and "
                  "standard deviation). Default trimmed.")
    criteria = CriteriaField(allow_empty=False, min_length=1, max_length=20,
                             help_text="The rubric, in the order shown: 1 to 20 criteria with unique keys.")
    panels = PanelsField(allow_empty=False, min_length=1, max_length=10,
                         help_text="1 to 10 panels with unique names, their weights adding up to 100; a final with "
                                   "several panels needs an expert one (its score breaks ties).")


class RoundFilterSerializer(serializers.Serializer):
    contest = IdField(required=False, help_text="Only this contest's rounds.")
    state = serializers.ChoiceField(choices=Round.State.choices, required=False)


class JudgesAssignSerializer(serializers.Serializer):
    panel = IdField(help_text="A panel of this round.")
    judges = serializers.ListField(child=IdField(), allow_empty=False, max_length=500,
                                   help_text="Users holding the judge role; one panel per round each.")


class PanelProgressSerializer(serializers.Serializer):
    panel = serializers.IntegerField(source="panel_id")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Panel.Kind.choices)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    judges = serializers.IntegerField()
    recorded = serializers.IntegerField(help_text="Scores recorded that count (recused judges' left out).")
    expected = serializers.IntegerField(help_text="Every judge on every entry of the round it is not recused from.")
    recused = serializers.IntegerField(help_text="Recused (judge, entry) pairs.")


def progress_data(rows: list[PanelProgress]) -> Any:
    return PanelProgressSerializer(rows, many=True).data


# --- scores and conflicts -----------------------------------------------------------------------------------------


MARK_SCHEMA = {
    "oneOf": [{"type": "string", "pattern": r"^[0-9]+(\.[0-9])?$", "example": "27.5"},
              {"type": "number", "minimum": 0, "multipleOf": 0.1}],
    "description": "A mark from 0 to the criterion's maximum, in steps of 0.1: a decimal string or a JSON number.",
}


@extend_schema_field(MARK_SCHEMA)
class MarkField(serializers.Field):
    """A mark as the judge sent it: a decimal string, or a JSON number (read by its shortest decimal text, so 27.5
    is exactly 27.5; never used as a float). The service checks it against the criterion."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            raise serializers.ValidationError('must be a number such as "27.5"')
        if isinstance(data, float):
            return repr(data)
        return data

    def to_representation(self, value: Any) -> Any:
        return str(value)


class ScoreRequestSerializer(serializers.Serializer):
    marks = serializers.DictField(child=MarkField(), allow_empty=False,
                                  help_text="criterion key -> mark, for every criterion of the round's rubric.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RecusalSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[("own_enterprise", "own_enterprise"),
                                            ("recommending_partner", "recommending_partner"),
                                            ("declared", "declared")])
    reason = serializers.CharField()


class ScoreSerializer(serializers.Serializer):
    """A judge's score of an entry in a round, and whether it counts (a recused judge's does not)."""

    id = serializers.IntegerField(source="score.pk")
    round = serializers.IntegerField(source="score.round_id")
    round_kind = serializers.ChoiceField(source="score.round.kind", choices=RoundKind.choices)
    panel = serializers.IntegerField(source="score.panel_id")
    panel_name = serializers.CharField(source="score.panel.name")
    entry = serializers.IntegerField(source="score.entry_id")
    judge = serializers.IntegerField(source="score.judge_id")
    judge_name = serializers.SerializerMethodField()
    marks = serializers.DictField(source="score.marks", child=serializers.CharField(),
                                  help_text="criterion key -> mark, as decimal strings with one decimal.")
    total = serializers.DecimalField(source="score.total", max_digits=7, decimal_places=4,
                                     help_text="The weighted total out of 100. " + SCORE_HELP)
    comment = serializers.CharField(source="score.comment")
    scored_at = serializers.DateTimeField(source="score.scored_at")
    updated_at = serializers.DateTimeField(source="score.updated_at")
    counts = serializers.SerializerMethodField(help_text="False when its judge is recused from the entry.")
    recusal = RecusalSerializer(allow_null=True, help_text="Why it does not count, if it does not.")

    def get_judge_name(self, visible: VisibleScore) -> str:
        return person(visible.score.judge)

    def get_counts(self, visible: VisibleScore) -> bool:
        return visible.recusal is None


def score_data(visible: VisibleScore) -> Any:
    return ScoreSerializer(visible).data


class ConflictRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Required: why the judge may not judge the entry.")


class ConflictSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    round = serializers.IntegerField(source="round_id")
    entry = serializers.IntegerField(source="entry_id")
    judge = serializers.IntegerField(source="judge_id")
    reason = serializers.CharField()
    declared_at = serializers.DateTimeField()


# --- rankings and the queue ---------------------------------------------------------------------------------------


class RankingQuerySerializer(serializers.Serializer):
    round = serializers.ChoiceField(choices=RoundKind.choices, help_text="Which round's ranking.")


class PanelScoreSerializer(serializers.Serializer):
    panel = serializers.IntegerField(source="panel_id")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Panel.Kind.choices)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    score = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True,
                                     help_text="The panel's result (null: none of its judges' scores counted).")
    judges = serializers.IntegerField(help_text="How many judges' scores counted.")


class RankingRowSerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id")
    title = serializers.CharField()
    enterprise = serializers.IntegerField(source="enterprise_id")
    enterprise_name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True, help_text="1 is first; null: nobody's score counted.")
    combined = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True,
                                        help_text="The panels' results by weight. " + SCORE_HELP)
    expert = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True,
                                      help_text="The expert panels' result: the tie-break.")
    tie_broken = serializers.BooleanField(help_text="Its combined score equals a neighbour's: the tie-break decided.")
    complete = serializers.BooleanField(help_text="Every panel has a result for it.")
    panels = PanelScoreSerializer(many=True)


class RankingSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round.pk")
    contest = serializers.IntegerField(source="round.contest_id")
    kind = serializers.ChoiceField(source="round.kind", choices=RoundKind.choices)
    state = serializers.ChoiceField(source="round.state", choices=Round.State.choices)
    aggregation = serializers.ChoiceField(source="round.aggregation", choices=Aggregation.choices)
    tie_break = serializers.CharField(help_text="The named rule that orders equal combined scores.")
    rows = RankingRowSerializer(many=True)


def ranking_data(judged: Round, rows: list[RankingRow]) -> Any:
    return RankingSerializer({"round": judged, "tie_break": judging.TIE_BREAK, "rows": rows}).data


class QueueFilterSerializer(serializers.Serializer):
    contest = IdField(required=False, help_text="Only this contest's rounds.")


class QueueItemSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round.pk")
    round_kind = serializers.ChoiceField(source="round.kind", choices=RoundKind.choices)
    contest = serializers.IntegerField(source="round.contest_id")
    contest_name = serializers.CharField(source="round.contest.name")
    panel = serializers.IntegerField(source="panel.pk")
    panel_name = serializers.CharField(source="panel.name")
    entry = serializers.IntegerField(source="entry.pk")
    title = serializers.CharField(source="entry.title")
    enterprise_name = serializers.CharField(source="entry.enterprise.name")
    recused = serializers.SerializerMethodField(help_text="True: the judge may not score it (see recusal).")
    recusal = RecusalSerializer(allow_null=True)

    def get_recused(self, item: QueueItem) -> bool:
        return item.recusal is not None


def queue_data(items: list[QueueItem]) -> Any:
    return QueueItemSerializer(items, many=True).data


def recusal_data(found: Recusal | None) -> Any:
    return RecusalSerializer(found).data if found else None


# --- advance lists ------------------------------------------------------------------------------------------------


class AdvanceListLineSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="entry.title", read_only=True)
    enterprise_name = serializers.CharField(source="entry.enterprise.name", read_only=True)
    score = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True, read_only=True)

    class Meta:
        model = AdvanceListLine
        fields = ["entry", "title", "enterprise_name", "rank", "score", "advances"]
        read_only_fields = fields


class AdvanceListSerializer(serializers.ModelSerializer):
    """An advance list (진출 명단): prepared from a closed round's ranking, confirmed by another manager."""

    round_kind = serializers.ChoiceField(source="round.kind", choices=RoundKind.choices, read_only=True)
    contest = serializers.IntegerField(source="round.contest_id", read_only=True)
    lines = AdvanceListLineSerializer(many=True, read_only=True)

    class Meta:
        model = AdvanceList
        fields = ["id", "round", "round_kind", "contest", "state", "top_n", "cut", "prepared_by", "prepared_at",
                  "decided_by", "decided_at", "lines"]
        read_only_fields = fields


class AdvancePrepareSerializer(serializers.Serializer):
    round = IdField(help_text="A closed round, in its contest's phase.")
    top_n = serializers.IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True,
                                     help_text="The first N ranked go on. Give exactly one of top_n and cut.")
    cut = serializers.DecimalField(max_digits=7, decimal_places=4, min_value=Decimal(0), max_value=Decimal(100),
                                   required=False, allow_null=True,
                                   help_text="Every ranked entry with a combined score at least this goes on.")


class AdvanceListFilterSerializer(serializers.Serializer):
    round = IdField(required=False)
    contest = IdField(required=False)
    state = serializers.ChoiceField(choices=AdvanceList.State.choices, required=False)


class AdvanceCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                   help_text="Why (kept in the audit trail).")
