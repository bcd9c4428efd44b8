"""Who may open each bonds page: the console's to staff (managers act, the auditor reads), the evaluators' desk to
the contract's evaluator institution's users (another institution's evaluator gets 404), the investors' desk to the
investing institution's users (another's investment: 404), the portal's to the provider's members (another
enterprise's member: 404); everyone else 403, and a signed-out visitor the login page. Forged POSTs of a refused role
write nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bonds.models import CapitalCall, Metric, OutcomePayment, Result

pytestmark = pytest.mark.django_db

ROLES = ("manager", "auditor", "evaluator", "other_evaluator", "investor", "other_investor", "member",
         "other_member", "nobody")


def _pages(bw) -> dict[str, tuple[str, dict[str, int]]]:
    """Each page: its path and the status of each role (the rest: 403)."""
    c, inv, d = bw.contract.pk, bw.bond.investments[0].pk, bw.draft.pk
    metric = Metric.objects.filter(contract=bw.draft).order_by("position").values_list("pk", flat=True)[0]
    staff = {"manager": 200, "auditor": 200}
    managers = {"manager": 200}
    evaluators = {"evaluator": 200, "other_evaluator": 404}
    return {
        "bonds": ("/console/bonds/", staff),
        "bond": (reverse("web:bond", args=[c]), staff),
        "bond-new": ("/console/bonds/new/", managers),
        "bond-edit": (reverse("web:bond-edit", args=[d]), managers),
        "bond-investment-add": (reverse("web:bond-investment-add", args=[d]), managers),
        "bond-metric-add": (reverse("web:bond-metric-add", args=[d]), managers),
        "bond-metric-term": (reverse("web:bond-metric-term", args=[metric]), managers),
        "bond-point-add": (reverse("web:bond-point-add", args=[d]), managers),
        "bond-sign": (reverse("web:bond-sign", args=[bw.draft.pk]), managers),
        "bond-start": (reverse("web:bond-start", args=[c]), managers),
        "bond-evaluate": (reverse("web:bond-evaluate", args=[c]), managers),
        "bond-close": (reverse("web:bond-close", args=[c]), managers),
        "bond-capital-call": (reverse("web:bond-capital-call", args=[c]), managers),
        "bond-disburse": (reverse("web:bond-disburse", args=[c]), managers),
        "bond-distribute": (reverse("web:bond-distribute", args=[c]), managers),
        "bond-call-line-paid": (reverse("web:bond-call-line-paid", args=[bw.line.pk]), managers),
        "bond-payment-prepare": (reverse("web:bond-payment-prepare", args=[bw.bond.final.pk]), managers),
        "bond-payment-approve": (reverse("web:bond-payment-approve", args=[bw.payment.pk]), managers),
        "evaluator": ("/evaluator/", {"evaluator": 200, "other_evaluator": 200}),
        "evaluator-bond": (reverse("web:evaluator-bond", args=[c]), evaluators),
        "evaluator-result-record": (reverse("web:evaluator-result-record", args=[c]), evaluators),
        "evaluator-result-confirm": (reverse("web:evaluator-result-confirm", args=[bw.result.pk]), evaluators),
        "evaluator-result-reopen": (reverse("web:evaluator-result-reopen", args=[bw.result.pk]), evaluators),
        "investor": ("/investor/", {"investor": 200, "other_investor": 200}),
        "investor-investment": (reverse("web:investor-investment", args=[inv]),
                                {"investor": 200, "other_investor": 404}),
        "my-bonds": ("/my/bonds/", {"member": 200, "other_member": 200}),
        "my-bond": (reverse("web:my-bond", args=[c]), {"member": 200, "other_member": 404}),
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_each_page_as_declared(bw, client_as, role):
    client = client_as(bw.user(role))
    pages = _pages(bw)
    from web.bonds import urls

    assert {p.name for p in urls.urlpatterns} == set(pages)
    wrong = []
    for name, (path, statuses) in pages.items():
        status = client.get(path).status_code
        if status != statuses.get(role, 403):
            wrong.append(f"{role} GET {name}: {status}, expected {statuses.get(role, 403)}")
    assert not wrong, "\n".join(wrong)


def test_signed_out_visitors_get_the_login_page(bw, client_as):
    for path, _statuses in _pages(bw).values():
        response = client_as(None).get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), path


def test_forged_posts_of_refused_roles_write_nothing(bw, client_as):
    c = bw.contract.pk
    calls = CapitalCall.objects.count()
    for role in ("auditor", "evaluator", "investor", "member"):
        response = client_as(bw.user(role)).post(reverse("web:bond-capital-call", args=[c]), {
            "amount": "1000", "call_on": "2026-01-01", "due_on": "2026-01-02", "idempotency_key": f"forged-{role}"})
        assert response.status_code == 403, role
    assert CapitalCall.objects.count() == calls
    for role in ("manager", "auditor", "investor"):
        response = client_as(bw.user(role)).post(reverse("web:evaluator-result-reopen", args=[bw.result.pk]),
                                                 {"reason": "forged"})
        assert response.status_code == 403, role
    # Another institution's evaluator: 404, as if it did not exist.
    response = client_as(bw.user("other_evaluator")).post(
        reverse("web:evaluator-result-reopen", args=[bw.result.pk]), {"reason": "forged"})
    assert response.status_code == 404
    bw.result.refresh_from_db()
    assert bw.result.state == Result.State.CONFIRMED
    bw.payment.refresh_from_db()
    assert bw.payment.state == OutcomePayment.State.PREPARED
