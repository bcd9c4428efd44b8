"""The programs' pages in the console, and the bank desk's area."""

from __future__ import annotations

import pytest

from tests.factories import BankOfficerFactory
from tests.funds.factories import member_of
from tests.guarantees.factories import contribute, make_guarantee, make_program

pytestmark = pytest.mark.django_db


def test_a_manager_reads_a_programs_capacity_and_use_on_its_dashboard(client_as, manager):
    program = make_program()
    contribute(program, 1_000_000_000)  # 10억 from the county
    make_guarantee(program, amount=30_000_000)

    page = client_as(manager).get(f"/console/guarantee-programs/{program.pk}/")

    assert page.status_code == 200
    text = page.content.decode()
    # Capacity 10억 x 12 = 120억; used 3천만; available 119억 7천만; utilisation 0.25 %.
    assert "₩12,000,000,000" in text
    assert "₩30,000,000" in text
    assert "₩11,970,000,000" in text
    assert 'data-chart="chart-gauge"' in text and '"circumference": 180' in text
    listing = client_as(manager).get("/console/guarantee-programs/").content.decode()
    assert program.name in listing and f"/console/guarantee-programs/{program.pk}/" in listing
    home = client_as(manager).get("/console/").content.decode()
    assert f"/console/guarantee-programs/{program.pk}/" in home  # the start page's card


def test_a_bank_officer_starts_at_the_bank_desk_and_may_not_enter_the_console_or_the_portal(client_as):
    officer = BankOfficerFactory(username="bank.yoon")
    client = client_as(officer)

    assert client.get("/bank/").status_code == 200
    assert client.get("/console/").status_code == 403
    assert client.get("/my/").status_code == 403
    assert client.get("/console/guarantee-programs/").status_code == 403


def test_the_bank_desk_is_refused_to_staff_and_members(client_as, manager, auditor):
    for user in (manager, auditor, member_of()):
        assert client_as(user).get("/bank/").status_code == 403


def test_signing_in_takes_a_bank_officer_to_the_bank_desk(client):
    officer = BankOfficerFactory(username="bank.kang")
    from tests.factories import PASSWORD

    response = client.post("/login/", {"username": "bank.kang", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/bank/"
    assert officer.pk


def test_a_manager_asks_for_the_programs_pdf_statement_from_its_dashboard(client_as, manager, settings, tmp_path):
    from django.utils import timezone

    from statements.models import Statement

    settings.MEDIA_ROOT = tmp_path
    program = make_program()
    contribute(program, 1_000_000_000)
    client = client_as(manager)
    page = client.get(f"/console/guarantee-programs/{program.pk}/").content.decode()
    assert 'name="kind" value="guarantee_program"' in page

    today = timezone.localdate()
    response = client.post("/statements/request/", {
        "kind": "guarantee_program", "subject_id": program.pk, "next": f"/console/guarantee-programs/{program.pk}/",
        "period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()})

    assert response.status_code in (302, 303), response.content[:300]
    assert Statement.objects.filter(kind="guarantee_program", guarantee_program=program).exists()
