"""An independent check of a contest round's ranking: recomputed from the judges' stored marks with Python's
``statistics`` module in floats (not the judging engine, not the stored totals), then compared with
``crowdfunding.selectors.round_ranking``. Only for z-scored rounds (the demo's 2025 Daegu final).

    .venv/bin/python manage.py shell < scripts/check_contest_ranking.py
"""

from statistics import mean, pstdev

from crowdfunding.models import Criterion, Panel, Round, Score
from crowdfunding.selectors import round_ranking

judged = Round.objects.get(contest__code="daegu-social-crowdfunding-2025", kind="final")
criteria = {c.key: (float(c.weight), float(c.max_score)) for c in Criterion.objects.filter(round=judged)}
weights = sum(weight for weight, _top in criteria.values())


def total(marks: dict[str, str]) -> float:
    """A judge's total out of 100, from its marks."""
    return sum(criteria[key][0] * float(mark) / criteria[key][1] for key, mark in marks.items()) / weights * 100


panels = {}
for panel in Panel.objects.filter(round=judged):
    scores = [(s.judge_id, s.entry_id, total(s.marks)) for s in Score.objects.filter(panel=panel)]
    everything = [x for _judge, _entry, x in scores]
    m, s = mean(everything), pstdev(everything)
    by_judge: dict[int, list[float]] = {}
    for judge, _entry, x in scores:
        by_judge.setdefault(judge, []).append(x)
    rescaled: dict[int, list[float]] = {}
    for judge, entry, x in scores:
        mu, sigma = mean(by_judge[judge]), pstdev(by_judge[judge])
        rescaled.setdefault(entry, []).append(m if sigma == 0 else m + s * (x - mu) / sigma)
    panels[panel.pk] = ({entry: mean(values) for entry, values in rescaled.items()}, float(panel.weight))
entries = set().union(*(results for results, _weight in panels.values()))
combined = {e: sum(r[e] * w for r, w in panels.values()) / sum(w for _r, w in panels.values()) for e in entries}
rows = round_ranking(judged)
print("independent order == system order:", sorted(entries, key=lambda e: -combined[e]) == [r.entry_id for r in rows])
print("largest difference in a combined score:", max(abs(combined[r.entry_id] - float(r.combined)) for r in rows))
