"""The special guarantee program statement (특례보증 운용 명세서), asked for through the service and rendered by the
(eager) task into a real PDF, then read back as an auditor would: the printed text (pdftotext), the fonts
(pdffonts), the CSV attached inside and its SHA-256. The figures are the known answers of the half-year told in
``helpers_guarantees`` (worked out by hand there), and they are compared with balances recomputed here from the
program's ledger entries and with the guarantees' selectors."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from core.errors import Forbidden, NotFound, ValidationFailed
from guarantees import accounts as chart
from guarantees.selectors import program_claims, program_fees, program_position
from ledger.models import Account
from ledger.selectors import balance_on
from statements.models import Statement
from statements.services import statement_request, statements_visible_to
from tests.factories import AuditorFactory, BankOfficerFactory
from tests.guarantees.factories import make_program

from . import pdf
from .helpers_guarantees import TODAY, World, make_world

pytestmark = pytest.mark.django_db
START = date(2026, 1, 1)


def won(amount: Decimal | int) -> str:
    return f"-₩{-int(amount):,}" if amount < 0 else f"₩{int(amount):,}"


def d(text: str) -> Decimal:
    return Decimal(text or "0")


@pytest.fixture
def world() -> World:
    return make_world()


def issue(capture, *, actor, program_id: int, start: date = START, end: date = TODAY) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind="guarantee_program", subject_id=program_id,
                                      period_start=start, period_end=end, today=TODAY)
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def pairs(rows: list[dict[str, str]], key: str, value: str) -> dict[str, str]:
    return {row[key]: row[value] for row in rows}


def test_the_program_statement_states_the_half_year_with_known_answers(world, django_capture_on_commit_callbacks):
    statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), program_id=world.program.pk)
    text = pdf.text(data)
    tables = pdf.attachment_tables(data)

    # The file: stored with its SHA-256; the data's SHA-256 printed in the footer; archival; NanumGothic embedded.
    assert statement.sha256 == hashlib.sha256(data).hexdigest()
    assert statement.data_sha256 == hashlib.sha256(pdf.attachment_bytes(data)).hexdigest()
    assert statement.data_sha256 in text
    assert statement.guarantee_program_id == world.program.pk and statement.enterprise_id is None
    assert pdf.archival(data)["relationship"] == "/Data"
    assert set(pdf.fonts(data)) <= {"NanumGothic", "NanumGothic-Bold"} and "NanumGothic" in pdf.fonts(data)
    assert "특례보증 운용 명세서" in text and "2026-01-01 ~ 2026-06-30" in text
    assert f"page 1 / {statement.pages}" in text

    # Contributions by source, and capacity: (1,200,000,000 - (30,000,000 - 3,000,000)) x 12 = 14,076,000,000.
    assert pairs(tables["출연금"], "재원", "기말") == {"지자체 출연금": "1000000000", "은행 출연금": "200000000",
                                                "기타 출연금": "0"}
    summary = pairs(tables["요약"], "항목", "값")
    assert (summary["기말 출연금"], summary["기말 순손실"], summary["기말 보증한도"]) == (
        "1200000000", "27000000", "14076000000")
    # used: active 24,000,000 and the approved 10,000,000; 34,000,000 / 14,076,000,000 = 0.24 %
    assert (summary["기말 사용액"], summary["기말 가용액"], summary["기말 사용률"]) == (
        "34000000", "14042000000", "0.0024")
    assert "₩14,076,000,000" in text and "₩34,000,000" in text and "0.24%" in text

    # Capacity use at each month end, rebuilt from the guarantees' histories.
    months = {row["기준일"]: (d(row["보증한도"]), d(row["사용액"])) for row in tables["보증한도 추이"]}
    assert months == {
        "2025-12-31": (0, 0),
        "2026-01-31": (12_000_000_000, 0),
        "2026-02-28": (12_000_000_000, 50_000_000),  # active 30,000,000 + repaid 20,000,000
        "2026-03-31": (14_400_000_000, 80_000_000),  # + claimed 25,000,000 + written off 5,000,000
        "2026-04-30": (14_400_000_000, 60_000_000),  # repaid; the two defaults still stand
        "2026-05-31": (14_040_000_000, 24_000_000),  # claims paid (30,000,000 of losses); active down to 24,000,000
        "2026-06-30": (14_076_000_000, 34_000_000),  # 3,000,000 recovered; 10,000,000 approved
    }

    # Fees by payer: billed 400,000 + 240,000; refunded 85,470 + 51,290; paid 400,000 + 165,000; the claimed
    # enterprise's 75,000 still owed; late fees 260.
    fees = {row["구분"]: (d(row["지자체"]), d(row["기업"]), d(row["합계"])) for row in tables["보증료"]}
    assert fees["부과"] == (400_000, 240_000, 640_000)
    assert fees["환급 (중도 완제)"] == (85_470, 51_290, 136_760)
    assert fees["납부"] == (400_000, 165_000, 565_000)
    assert fees["순 수납 (납부 - 반환)"] == (314_530, 113_710, 428_240)
    assert fees["기말 미수 (2026-06-30, 원장)"] == (0, 75_000, 75_000)
    assert fees["연체료 부과"][1] == fees["연체료 납부"][1] == 260

    # Interest subsidies paid: the March run, 134,220, from the budget of 1,000,000.
    runs = tables["이차보전금 지급"]
    assert [(r["지급회차"], r["지원 기간"], r["건수"], r["지급일"], r["금액"]) for r in runs] == [
        (f"S{world.run.pk}", "2026-03-01 ~ 2026-03-31", "4", "2026-04-06", "134220")]
    assert "₩865,780" in text  # the budget left

    # Claims and recoveries: 30,000,000 paid, 3,000,000 recovered; claim rate 30 / 80 = 37.5 %, recovery 10 %.
    claims = {row["항목"]: row["기말"] for row in tables["대위변제 및 구상"]}
    assert claims["대위변제 누계"] == "30000000" and claims["구상 회수 누계"] == "3000000"
    assert claims["순손실 (대위변제 - 회수)"] == "27000000"
    assert claims["보증 실행 누계 (보증금액)"] == "80000000"
    assert claims["대위변제율 (대위변제 ÷ 보증 실행)"] == "0.3750"
    assert claims["회수율 (회수 ÷ 대위변제)"] == "0.1000"
    assert claims["구상채권 잔액 (원금·비용, 상각분 제외)"] == "22328767"
    recourse = {row["대위변제"]: row for row in tables["구상채권"]}
    assert (recourse[f"C{world.claim.pk}"]["회수 누계"], recourse[f"C{world.claim.pk}"]["기말 원장 잔액"]) == (
        "3000000", "22328767")
    assert (recourse[f"C{world.write_off_claim.pk}"]["상각"],
            recourse[f"C{world.write_off_claim.pk}"]["기말 원장 잔액"]) == ("5000000", "0")
    assert "37.50%" in text and "10.00%" in text and "₩328,767" in text  # the recovery's damages

    # Cash: 1,200,000,000 + 165,260 + 400,000 - 136,760 - 30,000,000 + 3,000,000 = 1,173,428,500.
    cash = {row["항목"]: d(row["금액"]) for row in tables["현금 증감"]}
    assert cash["기초 현금"] == 0 and cash["기말 현금"] == 1_173_428_500
    assert (cash["출연금 납입"], cash["보증료 수납 (기업, 연체료 포함)"], cash["보증료 수납 (지자체 지원분)"],
            cash["보증료 환급"], cash["대위변제 지급"], cash["구상채권 회수"], cash["기타"]) == (
        1_200_000_000, 165_260, 400_000, -136_760, -30_000_000, 3_000_000, 0)
    assert "₩1,173,428,500" in text

    # Every figure beside the book's, all agreeing; the guarantees listed add up to the capacity in use.
    checks = tables["원장 대사"]
    assert len(checks) >= 15 and {row["일치"] for row in checks} == {"일치"}
    assert "불일치" not in text
    listed = {row["보증"]: row for row in tables["보증 목록"]}
    assert sum(d(row["기말 보증잔액"]) for row in listed.values()) == 34_000_000
    assert listed[f"G{world.claimed.pk}"]["기말 대출잔액"] == "25000000"  # as at default
    assert listed[f"G{world.approved.pk}"]["대출금액"] == ""  # not lent


def test_the_program_statement_agrees_with_the_ledger_and_the_selectors(world, django_capture_on_commit_callbacks):
    """Every account's balance at the end, as the statement prints it, is the balance recomputed from the ledger's
    entries here; with nothing dated after the period, the period's end is now, so its figures are the program's
    position, claims and fees as the guarantees' selectors give them."""
    program = world.program
    _statement, data = issue(django_capture_on_commit_callbacks, actor=world.manager, program_id=program.pk)
    tables = pdf.attachment_tables(data)

    book = {row["코드"]: d(row["잔액"]) for row in tables["기말 계정 잔액"]}
    recourse = Decimal(0)
    for account in Account.objects.filter(book_id=program.book_id):
        balance = balance_on(account, TODAY)
        assert balance == account.balance.amount  # nothing after the period
        if account.code.startswith("recourse:"):
            recourse += balance
        elif not account.code.startswith("recourse-memo:"):
            assert book[account.code] == balance, account.code
    assert book["recourse"] == recourse == book["recourse-memo"] == 22_328_767
    sides = {row["코드"]: row["차대"] for row in tables["기말 계정 잔액"]}
    assert sum(v for code, v in book.items() if sides[code] == "차변") == sum(
        v for code, v in book.items() if sides[code] == "대변")

    position = program_position(program)
    summary = pairs(tables["요약"], "항목", "값")
    assert d(summary["기말 보증한도"]) == position.capacity and d(summary["기말 사용액"]) == position.used
    assert d(summary["기말 출연금"]) == position.contributions == book[chart.contribution_code("city")] + book[
        chart.contribution_code("bank")]
    now = program_claims(program)
    claims = {row["항목"]: (d(row["기말"]), d(row["현재"])) for row in tables["대위변제 및 구상"]}
    assert claims["대위변제 누계"] == (now.claims_paid, now.claims_paid) == (book[chart.CLAIMS_EXPENSE],) * 2
    assert claims["대위변제율 (대위변제 ÷ 보증 실행)"] == (now.claim_rate, now.claim_rate)
    assert claims["회수율 (회수 ÷ 대위변제)"] == (now.recovery_rate, now.recovery_rate)
    fees = program_fees(program)
    outstanding = {row["구분"]: row for row in tables["보증료"]}["기말 미수 (2026-06-30, 원장)"]
    assert d(outstanding["기업"]) == fees.firm.outstanding == book[chart.FEES_DUE_FIRM]
    assert d(outstanding["지자체"]) == fees.city.outstanding == book[chart.FEES_DUE_CITY]
    assert book[chart.SUBSIDY_EXPENSE] == world.run.total.amount
    assert book[chart.CASH] == d({row["항목"]: row["금액"] for row in tables["현금 증감"]}["기말 현금"])

    # The period's journal is in the CSV, entry by entry, and balances.
    journal = tables["분개장"]
    assert sum(d(row["차변"]) for row in journal) == sum(d(row["대변"]) for row in journal) > 0
    kinds = {row["구분"] for row in journal}
    assert kinds >= {"출연금 납입", "보증료 부과", "대위변제", "구상채권 회수", "이차보전금 지급"}


def test_a_month_of_the_statement_opens_where_the_previous_closed(world, django_capture_on_commit_callbacks):
    """April 2026 alone: cash opens at the end of March (1,200,000,000 + 165,260 + 400,000) and only the refund
    moves it; the subsidy run is paid in April; capacity in use falls from 80,000,000 to 60,000,000."""
    _statement, data = issue(django_capture_on_commit_callbacks, actor=world.manager, program_id=world.program.pk,
                             start=date(2026, 4, 1), end=date(2026, 4, 30))
    tables = pdf.attachment_tables(data)
    cash = {row["항목"]: d(row["금액"]) for row in tables["현금 증감"]}
    assert (cash["기초 현금"], cash["보증료 환급"], cash["기말 현금"]) == (
        1_200_565_260, -136_760, 1_200_428_500)
    months = {row["기준일"]: d(row["사용액"]) for row in tables["보증한도 추이"]}
    assert months == {"2026-03-31": 80_000_000, "2026-04-30": 60_000_000}
    summary = pairs(tables["요약"], "항목", "값")
    assert (summary["기간 중 보증료 부과"], summary["기간 중 이차보전금"], summary["기간 중 대위변제"]) == (
        "0", "134220", "0")
    flows = {row["구분"]: (row["건수"], row["금액"]) for row in tables["기간 중 보증 변동"]}
    assert flows["완제 (상환 완료)"][0] == "1"
    assert flows["사고 (사고 시 대출잔액)"] == ("2", "30000000")  # 25,000,000 + 5,000,000
    assert flows["대출 실행 (대출금액)"] == ("0", "0")
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}


def test_only_staff_may_ask_for_a_program_statement(member, bank_officer, manager):
    program = make_program(code="small", name="작은 사업")
    for user in (member, bank_officer):
        with pytest.raises(Forbidden):
            statement_request(actor=user, kind="guarantee_program", subject_id=program.pk, today=TODAY,
                              period_start=START, period_end=TODAY)
    with pytest.raises(NotFound):
        statement_request(actor=manager, kind="guarantee_program", subject_id=987_654, today=TODAY,
                          period_start=START, period_end=TODAY)
    with pytest.raises(ValidationFailed):
        statement_request(actor=manager, kind="guarantee_program", subject_id=program.pk, today=TODAY)
    with pytest.raises(ValidationFailed):  # a period ending after today
        statement_request(actor=manager, kind="guarantee_program", subject_id=program.pk, today=TODAY,
                          period_start=START, period_end=date(2026, 7, 1))
    assert not Statement.objects.exists()
    statement = statement_request(actor=manager, kind="guarantee_program", subject_id=program.pk, today=TODAY,
                                  period_start=START, period_end=TODAY)
    assert statement in statements_visible_to(AuditorFactory())
    assert statement not in statements_visible_to(member)
    assert statement not in statements_visible_to(BankOfficerFactory())
