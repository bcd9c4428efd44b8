"""``make e2e``: the whole story over HTTP against the production processes, then the faults, on this machine.

    .venv/bin/python deploy/e2e/run.py [--keep] [--db sf_e2e]

1. Starts the stack (deploy/e2e/stack.py): its own Redis, cuttable proxies to it and to PostgreSQL, a fresh
   database, gunicorn, a Celery worker on every queue, beat.
2. The story, each step an HTTP call by the person who would make it: a manager sets up a fund (capital received
   40 days ago) and a loan product; an enterprise member applies and submits; manager A recommends; A's own approval
   is refused (four eyes); manager B approves; B disburses (35 days ago); the member repays, and retries the same
   request with the same Idempotency-Key (one repayment); close of business runs in the worker (``celery call``);
   the auditor asks for the fund statement and downloads the PDF (hash, Korean font, figures checked). Then a
   special guarantee's life: a program, an application, four eyes, the bank's report of the loan, the fee paid,
   the interest subsidy run prepared in the worker and paid, a default, the claim paid, a recovery. Then a social
   crowdfunding contest's: the partners pay into its joint fund, the worker opens the call, two enterprises enter,
   a judge scores (and is refused on the entry its own bank recommended), each round's advance list is prepared and
   confirmed by two managers, the award is approved out of the joint fund and its first tranche paid; the fund
   reconciles and the final's ranking puts the awarded entry first. Then a campaign's, from launch to settlement
   (``campaign_story``): a contest in its funding phase (its call and screening, days ago, loaded through the
   services), a matching pool with two funders and their money; coop.member drafts, edits and launches an
   all-or-nothing campaign with a reward; four citizens sign up and verify by the link in their email (the file
   backend's, in the work directory); they pledge through the payment stand-in's test checkout (one card declined
   twice), the reward sells out, one cancels; a webhook replayed changes nothing; the funding run of each following
   day goes to the worker (``celery call crowdfunding.run_funding``): the campaign succeeds, the twice-declined card
   is charged on its third day, the campaign and the pool settle; the payout file (CSV) and the settlement statement
   (PDF) show the net payout. Then a social impact bond's (``bond_story``): manager.kim sets up a draft contract
   (the city pays for outcomes, three investors commit, a linear achievement table with a principal line and a cap)
   and lee signs it (four eyes); the capital is called, paid in (a replay changes nothing) and disbursed; two
   evaluators record and confirm the final result with its evidence; the payment quoted is prepared, approved by
   the other manager and distributed pro rata; the investor's and the contract's statements (PDF) and the INDIGO
   export show it, and each investor sees its own lines only.
3. Faults:
   - the worker is killed (SIGKILL) while it renders a statement; after a restart it is produced exactly once;
   - Redis is cut off: repayments still succeed; their receipts wait in the outbox and are rendered, once each,
     after Redis is back;
   - PostgreSQL is cut off: a repayment gets a clean 503 and nothing is written; the service recovers by itself
     and the same request (same key) then succeeds once.
4. ``ledger_verify`` and ``audit_verify`` are clean; no request got a 500; every outbox message ended well.

It stops everything it started, also when a check fails (exit status 1) or it is interrupted.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import http.client
import io
import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import PASSWORD, ROOT, VENV_BIN, Stack, log

KST = ZoneInfo("Asia/Seoul")


# The campaign story's contest before its funding phase (``manage.py shell``, before the story goes on over HTTP).
PAST = """
from datetime import timedelta
from django.utils import timezone
from crowdfunding import services
from crowdfunding.models import Panel
from enterprises.models import User
day = lambda n: timezone.localdate() - timedelta(days=n)
kim, lee, choi = (User.objects.get(username=name) for name in ("manager.kim", "manager.lee", "judge.choi"))
services.contest_advance(actor=kim, today=day(12), contest_id={contest})
entries = []
for username, title in (("coop.member", "서울숲 다회용컵 순환 카페"), ("village.member", "옥수마을 어르신 반찬 배달")):
    member = User.objects.get(username=username)
    enterprise = member.memberships.first().enterprise
    entry = services.entry_create(actor=member, today=day(11), contest_id={contest}, enterprise_id=enterprise.pk,
        title=title, summary="지역 주민과 함께하는 사회적경제 프로젝트", use_of_funds="설비 구입과 교육 운영",
        target_amount=300000, campaign_type="reward", team=[dict(name="대표", role="총괄")])
    services.entry_submit(actor=member, today=day(11), entry_id=entry.pk)
    entries.append(entry)
services.contest_advance(actor=kim, today=day(7), contest_id={contest})
criteria = [dict(key=key, name=key, weight=weight, max_score=weight)
            for key, weight in (("social-value", 30), ("viability", 25), ("feasibility", 25), ("local-ties", 20))]
judged = services.round_setup(actor=kim, today=day(7), contest_id={contest}, kind="screening", aggregation="mean",
                              criteria=criteria, panels=[dict(name="전문가 심사위원회", kind="expert", weight=100)])
services.panel_judges_assign(actor=kim, today=day(7), panel_id=Panel.objects.get(round=judged).pk, judges=[choi])
services.round_open(actor=kim, today=day(7), round_id=judged.pk)
for entry, marks in zip(entries, ((27, 21, 20, 18), (25, 20, 20, 17))):
    services.score_record(actor=choi, today=day(5), entry_id=entry.pk,
                          marks=dict(zip(("social-value", "viability", "feasibility", "local-ties"), marks)))
services.round_close(actor=kim, today=day(4), round_id=judged.pk)
listed = services.advance_prepare(actor=kim, today=day(3), round_id=judged.pk, top_n=2)
services.advance_confirm(actor=lee, today=day(2), list_id=listed.pk)
print(*(entry.pk for entry in entries))
"""


# The social impact bond story's people, who cannot be made over the API: an investor user for each investing
# institution manager.kim registered, and a second evaluator of the demo's evaluator institution beside
# evaluator.jung. They get the demo users' password (manager.kim's hash, copied, as bonds.demo does).
BOND_PEOPLE = """
from django.contrib.auth.models import Group
from enterprises.models import Institution, User
like = User.objects.get(username="manager.kim")
for username, last, first, role, institution in {people!r}:
    user = User.objects.create(username=username, last_name=last, first_name=first, display_name=last + first,
                               email=username + "@example.com", password=like.password,
                               institution=Institution.objects.get(pk=institution))
    user.groups.add(Group.objects.get_or_create(name=role)[0])
"""


class CheckFailed(AssertionError):
    pass


def check(condition: Any, what: str) -> None:
    if not condition:
        raise CheckFailed(what)
    log(f"  ok  {what}")


def rows(page: Any) -> list[Any]:
    """A list endpoint's rows, whether it paginates (``{"results": [...]}``) or not."""
    return page.get("results", page) if isinstance(page, dict) else page


def multipart(fields: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields`` (as text) and ``files``, and its content type."""
    boundary = f"e2e-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One person's HTTP client: a JWT from the token endpoint, JSON in and out."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.stack = stack
        self.username = username
        status, body, _ = self.call("POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD},
                                    auth=False)
        if status != 200:
            raise CheckFailed(f"{username} could not log in: {status} {body}")
        self.token = body["access"]

    def call(self, method: str, path: str, body: Any = None, *, key: str | None = None, auth: bool = True,
             raw: bool = False,
             files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[int, Any, dict[str, str]]:
        """``body`` goes as JSON; with ``files`` (field: (file name, content, content type)) the body's fields and
        the files go as multipart/form-data, as a browser's upload."""
        conn = http.client.HTTPConnection("127.0.0.1", self.stack.web_port, timeout=60)
        headers = {"Accept": "application/json", "X-Request-ID": f"e2e-{uuid.uuid4().hex[:16]}"}
        payload = None
        if files is not None:
            payload, headers["Content-Type"] = multipart(body or {}, files)
        elif body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        if key:
            headers["Idempotency-Key"] = key
        conn.request(method, path, payload, headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        result_headers = {k.lower(): v for k, v in response.getheaders()}
        if raw:
            return response.status, data, result_headers
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")
        return response.status, parsed, result_headers

    def ok(self, method: str, path: str, body: Any = None, *, expect: int | tuple[int, ...] = (200, 201, 202),
           key: str | None = None) -> Any:
        status, data, _ = self.call(method, path, body, key=key)
        expected = (expect,) if isinstance(expect, int) else expect
        if status not in expected:
            raise CheckFailed(f"{self.username}: {method} {path} -> {status} {data}")
        return data


class Run:
    def __init__(self, stack: Stack) -> None:
        self.s = stack
        self.today = datetime.now(KST).date()
        self.findings: dict[str, Any] = {}

    # --- database look-ups, straight to PostgreSQL (past the proxy) -------------------------------------------

    def sql(self, query: str) -> str:
        return self.s.psql(query, db=self.s.db_name)

    def count(self, table: str, where: str = "true") -> int:
        return int(self.sql(f"SELECT count(*) FROM {table} WHERE {where}"))

    def wait_until(self, what: str, condition: Any, timeout: float = 120, every: float = 0.25) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if condition():
                return time.monotonic() - started
            time.sleep(every)
        raise CheckFailed(f"waited {timeout:.0f} s for {what}")

    def statement(self, client: Client, statement_id: int) -> dict[str, Any]:
        return client.ok("GET", f"/api/v1/statements/{statement_id}/")

    def wait_statement(self, client: Client, statement_id: int, timeout: float = 180) -> dict[str, Any]:
        self.wait_until(f"statement {statement_id} ready",
                        lambda: self.statement(client, statement_id)["state"] in ("ready", "failed"), timeout)
        data = self.statement(client, statement_id)
        check(data["state"] == "ready", f"statement {statement_id} ({data['kind']}) is ready: {data.get('error', '')}")
        return data

    # --- the story ---------------------------------------------------------------------------------------------

    def story(self) -> None:
        log("== the story")
        self.kim, self.lee = Client(self.s, "manager.kim"), Client(self.s, "manager.lee")
        self.auditor, self.member = Client(self.s, "auditor.park"), Client(self.s, "coop.member")
        day = lambda n: (self.today - timedelta(days=n)).isoformat()  # noqa: E731

        institutions = rows(self.kim.ok("GET", "/api/v1/institutions/"))
        operator = next(i for i in institutions if i["kind"] == "intermediary")
        enterprises = rows(self.member.ok("GET", "/api/v1/enterprises/"))
        enterprise = enterprises[0]
        self.village = Client(self.s, "village.member")
        theirs = rows(self.village.ok("GET", "/api/v1/enterprises/"))[0]
        fund = self.kim.ok("POST", "/api/v1/funds/", {
            "code": "e2e-seongdong", "name": "성동구 사회적경제활성화기금 (e2e)", "operator": operator["id"],
            "exposure_limit": "50000000", "eligible_kinds": sorted({enterprise["kind"], theirs["kind"]}),
            "opened_on": day(45)}, expect=201)
        self.fund_id = fund["id"]
        for source in ("municipality", "private"):
            self.kim.ok("POST", f"/api/v1/funds/{self.fund_id}/contributions/", {
                "source": source, "amount": "150000000", "received_on": day(40), "memo": "e2e 출연"},
                expect=201, key=f"e2e-contribution-{source}")
        product = self.kim.ok("POST", "/api/v1/loan-products/", {
            "fund": self.fund_id, "name": "사회적경제기업 운영자금", "annual_rate": "0.02000", "term_months": 36,
            "grace_months": 6, "method": "equal_payment", "day_count": "monthly", "rounding_unit": 10,
            "rounding_mode": "floor", "min_amount": "1000000", "max_amount": "50000000",
            "approval_tiers": [{"above_amount": "30000000", "approvers": 2}]}, expect=201)
        check(True, f"manager.kim set up fund {self.fund_id} (300,000,000 won received {day(40)}) and product "
                    f"{product['id']}")

        application = self.member.ok("POST", "/api/v1/loan-applications/", {
            "product": product["id"], "enterprise": enterprise["id"], "amount": "20000000",
            "purpose": "로스터리 설비 구입"}, expect=201)
        app_id = application["id"]
        self.member.ok("POST", f"/api/v1/loan-applications/{app_id}/submit/", {})
        reviewed = self.kim.ok("POST", f"/api/v1/loan-applications/{app_id}/review/",
                               {"decision": "recommend", "reason": "상환 능력 양호"})
        check(reviewed["state"] == "recommended", "coop.member applied; manager.kim recommended")
        status, body, _ = self.kim.call("POST", f"/api/v1/loan-applications/{app_id}/approve/", {"reason": "승인"})
        check(status == 409 and body["code"], f"manager.kim's own approval is refused: {status} {body['code']}")
        approved = self.lee.ok("POST", f"/api/v1/loan-applications/{app_id}/approve/", {"reason": "승인"})
        check(approved["state"] == "approved" and approved["loan"], "manager.lee approved")
        self.loan_id = approved["loan"]
        loan = self.lee.ok("POST", f"/api/v1/loans/{self.loan_id}/disburse/", {"disbursed_on": day(35)},
                           key="e2e-disburse")
        check(loan["state"] == "active", f"manager.lee disbursed loan {self.loan_id} on {day(35)}")

        # A second enterprise borrows the same day and pays nothing: close of business has its first interest
        # installment to fall due and go unpaid.
        other = self.village.ok("POST", "/api/v1/loan-applications/", {
            "product": product["id"], "enterprise": theirs["id"], "amount": "10000000", "purpose": "공유주방 운영자금"},
            expect=201)
        self.village.ok("POST", f"/api/v1/loan-applications/{other['id']}/submit/", {})
        self.lee.ok("POST", f"/api/v1/loan-applications/{other['id']}/review/",
                    {"decision": "recommend", "reason": "지역 수요 확인"})
        other_loan = self.kim.ok("POST", f"/api/v1/loan-applications/{other['id']}/approve/",
                                 {"reason": "승인"})["loan"]
        self.kim.ok("POST", f"/api/v1/loans/{other_loan}/disburse/", {"disbursed_on": day(35)}, key="e2e-disburse-2")
        check(True, f"village.member's loan {other_loan} (10,000,000 won): recommended by manager.lee, approved and "
                    f"disbursed by manager.kim on {day(35)}")

        key = f"e2e-repay-{uuid.uuid4().hex[:8]}"
        first_status, first, _ = self.member.call("POST", f"/api/v1/loans/{self.loan_id}/repayments/",
                                                  {"amount": "100000"}, key=key)
        check(first_status == 201, f"coop.member repaid 100,000 won: {first_status}")
        again_status, again, again_headers = self.member.call("POST", f"/api/v1/loans/{self.loan_id}/repayments/",
                                                              {"amount": "100000"}, key=key)
        check(again_status in (200, 201) and again["id"] == first["id"]
              and again_headers.get("idempotent-replayed") == "true",
              f"the retried request (same key) replays repayment {first['id']}: {again_status}")
        check(self.count("funds_repayment", f"loan_id = {self.loan_id}") == 1, "one repayment in the database")
        receipt = first["receipt"]
        check(receipt and again["receipt"] == receipt, f"the repayment names its receipt, statement {receipt}")
        self.wait_statement(self.member, receipt)
        status, pdf, _ = self.member.call("GET", f"/api/v1/statements/{receipt}/pdf/", raw=True)
        check(status == 200 and pdf.startswith(b"%PDF-"), "the member downloads the receipt (상환 영수증)")
        self.first_repayment = first["id"]

        # Close of business in the worker: the task goes through Redis to the close_business queue.
        yesterday = day(1)
        call = subprocess.run([str(VENV_BIN / "celery"), "-A", "config", "call", "funds.close_business"],
                              cwd=ROOT, env=self.s.env(), capture_output=True, text=True, timeout=60)
        check(call.returncode == 0, f"close of business sent to the worker: task {call.stdout.strip()}")
        task_id = call.stdout.strip()
        self.wait_until("close of business in the worker",
                        lambda: f"funds.close_business[{task_id}] succeeded" in self.s.log_text("worker"), 300)
        days = self.count("funds_businessday", f"date <= '{yesterday}'")
        check(days >= 35, f"the worker closed {days} business days through {yesterday}")
        unpaid = self.lee.ok("GET", f"/api/v1/loans/{other_loan}/")
        check(unpaid["days_past_due"] > 0 and self.count("funds_loantransaction", f"loan_id = {other_loan}") > 1,
              f"the unpaid loan fell due and is {unpaid['days_past_due']} days past due, in its transactions")

        statement = self.auditor.ok("POST", "/api/v1/statements/", {
            "kind": "fund", "subject": self.fund_id, "period_start": day(40), "period_end": day(0)}, expect=202)
        data = self.wait_statement(self.auditor, statement["id"])
        status, pdf, headers = self.auditor.call("GET", f"/api/v1/statements/{statement['id']}/pdf/", raw=True)
        check(status == 200 and pdf.startswith(b"%PDF-"), f"auditor.park downloaded {data['number']} "
                                                          f"({len(pdf):,} bytes, {data['pages']} pages)")
        check(hashlib.sha256(pdf).hexdigest() == headers.get("x-statement-sha256") == data["sha256"],
              "the PDF's SHA-256 is the one the API gives")
        path = self.s.workdir / "fund-statement.pdf"
        path.write_bytes(pdf)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        check("NanumGothic" in fonts, "the PDF embeds NanumGothic")
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        check("성동구 사회적경제활성화기금 (e2e)" in text and "20,000,000" in text and "300,000,000" in text,
              "the PDF names the fund and shows the capital (300,000,000) and the loan (20,000,000)")
        downloads = rows(self.auditor.ok("GET", "/api/v1/statement-downloads/"))
        check(any(d.get("statement") == statement["id"] for d in downloads), "the download is in the download log")

    def guarantee_story(self) -> None:
        """A special guarantee's life over HTTP, each step by the person who would do it: manager.kim opens a
        Daegu-style program (the bank officer's bank as partner) and records the city's 10억 and a subsidy budget;
        coop.member applies and submits; kim recommends, lee approves; bank.officer reports the loan made 40 days
        ago (the first fee year is billed); the member pays its part of the fee; the interest subsidy run of the last
        month is prepared by the worker (``celery call``) and approved by lee; the bank reports a default and claims;
        kim prepares the claim, lee approves it (paid from the program); kim records a recovery; the program's
        position shows it all."""
        log("== the guarantee story")
        self.banker = Client(self.s, "bank.officer")
        day = lambda n: (self.today - timedelta(days=n)).isoformat()  # noqa: E731
        institutions = rows(self.kim.ok("GET", "/api/v1/institutions/"))
        foundation = next(i for i in institutions if i["kind"] == "credit_guarantee_foundation")
        bank = next(i for i in institutions if i["name"] == "(주)달빛은행")
        enterprise = rows(self.member.ok("GET", "/api/v1/enterprises/"))[0]
        program = self.kim.ok("POST", "/api/v1/guarantee-programs/", {
            "code": "e2e-daegu", "name": "대구 사회적경제기업 특례보증 (e2e)", "year": self.today.year,
            "foundation": foundation["id"], "partner_banks": [bank["id"]], "multiple": "12.00",
            "per_firm_limit": "50000000", "guarantee_ratio": "1.00", "fee_rate": "0.00800",
            "city_fee_rate": "0.00500", "subsidy_rate": "0.02000", "subsidy_months": 24,
            "eligible_kinds": [enterprise["kind"]], "opens_on": day(60), "closes_on": day(-300)}, expect=201)
        pid = program["program"]["id"]  # the new program, with its position
        self.kim.ok("POST", f"/api/v1/guarantee-programs/{pid}/contributions/", {
            "source": "city", "amount": "1000000000", "received_on": day(50), "memo": "대구시 출연금"},
            expect=201, key="e2e-g-contribution")
        self.kim.ok("POST", f"/api/v1/guarantee-programs/{pid}/subsidy-budget/", {
            "amount": "10000000", "received_on": day(50), "memo": "이차보전 예산"}, expect=201, key="e2e-g-budget")
        check(True, f"manager.kim opened program {pid} (10억 from the city: capacity 120억) with a subsidy budget")

        application = self.member.ok("POST", "/api/v1/guarantee-applications/", {
            "program": pid, "enterprise": enterprise["id"], "bank": bank["id"], "amount": "10000000",
            "term_months": 60, "repayment_method": "equal_principal", "grace_months": 12,
            "purpose": "로스터리 운영자금"}, expect=201)
        aid = application["id"]
        self.member.ok("POST", f"/api/v1/guarantee-applications/{aid}/submit/", {})
        self.kim.ok("POST", f"/api/v1/guarantee-applications/{aid}/recommend/",
                    {"decision": "recommend", "reason": "보증 적격"})
        status, body, _ = self.kim.call("POST", f"/api/v1/guarantee-applications/{aid}/approve/", {"reason": "승인"})
        check(status == 409, f"manager.kim's own approval of the guarantee is refused: {status} {body['code']}")
        approved = self.lee.ok("POST", f"/api/v1/guarantee-applications/{aid}/approve/", {"reason": "심의 승인"})
        gid = approved["guarantee"]
        check(approved["state"] == "approved" and gid, f"manager.lee approved: guarantee {gid}")

        self.banker.ok("POST", f"/api/v1/guarantees/{gid}/execute/", {
            "loan_amount": "10000000", "loan_rate": "0.04500", "start_on": day(40),
            "bank_reference": "E2E-110-2026"}, key="e2e-g-execute")
        guarantee = self.member.ok("GET", f"/api/v1/guarantees/{gid}/")
        check(guarantee["state"] == "active", f"bank.officer reported the loan made on {day(40)}: active")
        bill = rows(self.member.ok("GET", f"/api/v1/fee-bills/?guarantee={gid}"))[0]
        check(bill["fee"] == "80000" and bill["city_share"] == "50000" and bill["enterprise_share"] == "30000",
              "the first fee year is billed: 80,000 (city 50,000, enterprise 30,000)")
        detail = self.member.ok("GET", f"/api/v1/fee-bills/{bill['id']}/")
        owed = detail["owed_today"]["total"]
        self.member.ok("POST", f"/api/v1/fee-bills/{bill['id']}/pay/", {"amount": owed}, expect=201,
                       key="e2e-g-fee")
        paid = self.member.ok("GET", f"/api/v1/fee-bills/{bill['id']}/")
        check(paid["firm_outstanding"] == "0",
              f"coop.member paid its part of the fee ({owed} won, late fee {paid['late_fee_charged']})")

        call = subprocess.run([str(VENV_BIN / "celery"), "-A", "config", "call", "guarantees.subsidy_runs"],
                              cwd=ROOT, env=self.s.env(), capture_output=True, text=True, timeout=60)
        check(call.returncode == 0, f"the subsidy run sent to the worker: task {call.stdout.strip()}")
        task_id = call.stdout.strip()
        self.wait_until("the subsidy run in the worker",
                        lambda: f"guarantees.subsidy_runs[{task_id}] succeeded" in self.s.log_text("worker"), 300)
        runs = rows(self.kim.ok("GET", f"/api/v1/subsidy-runs/?program={pid}"))
        check(len(runs) == 1 and int(runs[0]["total"]) > 0,
              "the worker prepared the run of the last month: " + ", ".join(
                  f"{run['period_start']} to {run['period_end']}, {run['total']} won" for run in runs))
        paid_run = self.lee.ok("POST", f"/api/v1/subsidy-runs/{runs[0]['id']}/approve/", {}, key="e2e-g-run")
        check(paid_run["state"] == "paid", "manager.lee approved the run: paid from the subsidy budget")
        status, data, _ = self.banker.call("GET", f"/api/v1/subsidy-runs/{runs[0]['id']}/payment-file/"
                                                  f"?bank={bank['id']}&format=csv", raw=True)
        check(status == 200 and b"E2E-110-2026" in data, "bank.officer downloads its payment file (CSV)")

        self.banker.ok("POST", f"/api/v1/guarantees/{gid}/default/", {
            "on_date": day(5), "balance": "10000000", "interest_paid_to": day(10)}, key="e2e-g-default")
        claim = self.banker.ok("POST", "/api/v1/guarantee-claims/", {
            "guarantee": gid, "principal": "10000000", "interest": "0", "costs": "50000",
            "requested_on": day(2)}, expect=201)
        self.kim.ok("POST", f"/api/v1/guarantee-claims/{claim['id']}/prepare/", {"paid_on": day(0), "costs": "50000"})
        status, body, _ = self.kim.call("POST", f"/api/v1/guarantee-claims/{claim['id']}/approve/", {"reason": "확인"},
                                        key="e2e-g-claim-kim")
        check(status in (403, 409), f"manager.kim's own claim approval is refused: {status}")
        paid_claim = self.lee.ok("POST", f"/api/v1/guarantee-claims/{claim['id']}/approve/",
                                 {"reason": "대위변제 의결"}, key="e2e-g-claim")
        check(paid_claim["state"] == "paid", f"the claim is paid to the bank: {paid_claim['amount']} won")
        self.kim.ok("POST", f"/api/v1/guarantee-claims/{claim['id']}/recoveries/", {
            "amount": "1000000", "received_on": day(0), "memo": "대표자 변제"}, expect=201, key="e2e-g-recovery")
        position = self.kim.ok("GET", f"/api/v1/guarantee-programs/{pid}/")
        check(position["claims_paid"] == paid_claim["amount"] and position["recoveries"] == "1000000"
              and int(position["subsidies_paid"]) > 0 and position["used"] == "0",
              f"the program's position: claims paid {position['claims_paid']}, recovered {position['recoveries']}, "
              f"subsidies paid {position['subsidies_paid']}, capacity {position['capacity']}")
        self.findings["guarantee"] = gid

    # The screening and the final use the same rubric: 사회적 가치 30, 사업성 25, 실현 가능성 25, 지역 연계 20.
    RUBRIC = [{"key": "social-value", "name": "사회적 가치", "weight": "30", "max_score": "30"},
              {"key": "viability", "name": "사업성", "weight": "25", "max_score": "25"},
              {"key": "feasibility", "name": "실현 가능성", "weight": "25", "max_score": "25"},
              {"key": "local-ties", "name": "지역 연계", "weight": "20", "max_score": "20"}]

    def contest_story(self) -> None:
        """A social crowdfunding contest's life over HTTP (no funding phase), each step by the person who would do
        it: manager.kim opens it with the city of Daegu as host and two partners (the city and the bank), who pay
        into the joint fund; the worker opens the call (``celery call``); coop.member and village.member enter (the
        bank recommends the village's entry); kim moves it to screening, sets up the round with judge.choi on its
        expert panel; choi scores the coop's entry and is refused on the entry its own bank recommended (recused);
        kim closes the round and prepares the top 1, lee confirms (kim's own confirm is refused); the final the same
        way; the award table, kim prepares the award, lee approves it (reserved out of the joint fund), kim pays its
        first tranche; the joint fund reconciles and the final's ranking puts the awarded entry first."""
        log("== the contest story")
        self.judge = Client(self.s, "judge.choi")
        day = lambda n: (self.today - timedelta(days=n)).isoformat()  # noqa: E731
        institutions = rows(self.kim.ok("GET", "/api/v1/institutions/"))
        city = next(i for i in institutions if i["name"] == "대구광역시")
        bank = next(i for i in institutions if i["name"] == "(주)달빛은행")
        coop = rows(self.member.ok("GET", "/api/v1/enterprises/"))[0]
        village = rows(self.village.ok("GET", "/api/v1/enterprises/"))[0]
        contest = self.kim.ok("POST", "/api/v1/contests/", {
            "code": "e2e-daegu-crowd", "name": "대구 소셜 크라우드펀딩 대회 (e2e)", "host": city["id"],
            "eligible_kinds": sorted({coop["kind"], village["kind"]}), "eligible_provinces": [],
            "call_opens_on": day(10), "call_closes_on": day(-5), "screening_ends_on": day(-20),
            "final_ends_on": day(-40), "awards_end_on": day(-60), "target_min": "5000000",
            "target_max": "30000000"}, expect=201)
        cid = contest["id"]
        check(contest["phase"] == "draft" and contest["funding_ends_on"] is None and contest["fund"]["reconciled"],
              f"manager.kim opened contest {cid} hosted by {contest['host_name']}, call from {day(10)} to "
              f"{day(-5)}, no funding phase: draft")
        partners = {}
        for institution, pledged in ((city, "30000000"), (bank, "20000000")):
            partners[institution["id"]] = self.kim.ok("POST", f"/api/v1/contests/{cid}/partners/", {
                "institution": institution["id"], "pledged": pledged}, expect=201)
        for n, (institution, paid_on) in enumerate(((city, day(9)), (bank, day(8)))):
            partner = partners[institution["id"]]
            body = {"partner": partner["id"], "amount": partner["pledged"], "received_on": paid_on,
                    "memo": f"{institution['name']} 출연금"}
            first = self.kim.ok("POST", f"/api/v1/contests/{cid}/contributions/", body, expect=201,
                                key=f"e2e-c-contribution-{n}")
        status, again, headers = self.kim.call("POST", f"/api/v1/contests/{cid}/contributions/", body,
                                               key=f"e2e-c-contribution-{n}")
        paid = [(c["institution"], c["amount"]) for c in self.kim.ok("GET", f"/api/v1/contests/{cid}/contributions/")]
        check(status in (200, 201) and again["id"] == first["id"] and headers.get("idempotent-replayed") == "true"
              and paid == [(city["id"], "30000000"), (bank["id"], "20000000")],
              "the city and the bank paid in 30,000,000 and 20,000,000 won; the retried contribution (same key) "
              "replays: two contributions")

        call = subprocess.run([str(VENV_BIN / "celery"), "-A", "config", "call", "crowdfunding.advance_phases"],
                              cwd=ROOT, env=self.s.env(), capture_output=True, text=True, timeout=60)
        check(call.returncode == 0, f"the contests' phases task sent to the worker: task {call.stdout.strip()}")
        task_id = call.stdout.strip()
        self.wait_until("the phases task in the worker",
                        lambda: f"crowdfunding.advance_phases[{task_id}] succeeded" in self.s.log_text("worker"), 300)
        phase = self.member.ok("GET", f"/api/v1/contests/{cid}/")["phase"]
        check(phase == "call", f"the worker opened the call (draft ended {day(11)}): the member reads phase {phase}")

        entries = {}
        for who, enterprise, title, partner in (
                (self.member, coop, "서울숲 제로웨이스트 원두 리필 스테이션", city["id"]),
                (self.village, village, "옥수마을 공유부엌 도시락 나눔", bank["id"])):
            entry = who.ok("POST", "/api/v1/contest-entries/", {
                "contest": cid, "enterprise": enterprise["id"], "title": title,
                "summary": "지역 주민과 함께하는 사회적경제 프로젝트", "use_of_funds": "설비 구입과 교육 운영",
                "target_amount": "15000000", "campaign_type": "reward", "partner": partner,
                "team": [{"name": "대표", "role": "총괄"}]}, expect=201)
            submitted = who.ok("POST", f"/api/v1/contest-entries/{entry['id']}/submit/", {})
            check(submitted["state"] == "submitted",
                  f"{who.username} entered {enterprise['name']}'s project (entry {entry['id']}, recommended by "
                  f"{submitted['partner_name']}) and submitted it")
            entries[who.username] = entry["id"]
        ours, theirs = entries["coop.member"], entries["village.member"]
        status, _body, _ = self.village.call("GET", f"/api/v1/contest-entries/{ours}/")
        check(status == 404, f"village.member cannot see coop.member's entry: {status}")

        moved = self.kim.ok("POST", f"/api/v1/contests/{cid}/advance/", {})
        check(moved["phase"] == "screening" and moved["entries_by_state"]["submitted"] == 2,
              "manager.kim closed the call: screening, with 2 submitted entries")
        choi = self.judge.ok("GET", "/api/v1/me/")
        screening = self._contest_round(cid, "screening", choi["id"])
        queue = self.judge.ok("GET", f"/api/v1/judging/queue/?contest={cid}")
        recused = {item["entry"]: item["recusal"] for item in queue if item["recused"]}
        check([item["entry"] for item in queue if not item["recused"]] == [ours]
              and recused.get(theirs, {}).get("code") == "recommending_partner",
              f"judge.choi's queue: entry {ours} to score; entry {theirs} flagged (its bank recommended it)")
        self._score(ours, {"social-value": "27.5", "viability": "21", "feasibility": "20.5", "local-ties": "18"},
                    "87.0000", "screening")
        status, body, _ = self.judge.call("POST", f"/api/v1/contest-entries/{theirs}/scores/", {
            "marks": {"social-value": "30", "viability": "25", "feasibility": "25", "local-ties": "20"}})
        check(status == 403 and body["code"] == "recused" and body["fields"].get("entry"),
              f"judge.choi's score of entry {theirs}, recommended by its own bank, is refused: {status} "
              f"{body['code']} ({body['fields']['entry'][0]})")
        self._close_and_advance(cid, screening, "screening", ours, theirs)
        moved = self.kim.ok("POST", f"/api/v1/contests/{cid}/advance/", {})
        check(moved["phase"] == "final", "manager.kim moved the contest to its final")
        village_entry = self.village.ok("GET", f"/api/v1/contest-entries/{theirs}/")
        check(village_entry["state"] == "not_advanced" and village_entry["eliminated_in"] == "screening",
              f"village.member reads that its entry did not pass the screening: {village_entry['state']}")

        final = self._contest_round(cid, "final", choi["id"])
        self._score(ours, {"social-value": "28", "viability": "22.5", "feasibility": "22", "local-ties": "17.5"},
                    "90.0000", "final")
        self._close_and_advance(cid, final, "final", ours, None)
        moved = self.kim.ok("POST", f"/api/v1/contests/{cid}/advance/", {})
        check(moved["phase"] == "awards", "manager.kim moved the contest to its awards")

        table = self.kim.ok("PUT", f"/api/v1/contests/{cid}/award-table/", {"tiers": [
            {"name": "대상", "rank_from": 1, "rank_to": 1, "amount_min": "20000000", "amount_max": "30000000"},
            {"name": "우수상", "rank_from": 2, "rank_to": 5, "amount_min": "5000000", "amount_max": "5000000"}]})
        check(len(table["tiers"]) == 2 and not table["fixed"],
              "manager.kim set the award table: 대상 (rank 1) 20,000,000 to 30,000,000; 우수상 (2 to 5) 5,000,000")
        award = self.kim.ok("POST", "/api/v1/contest-awards/", {
            "entry": ours, "amount": "25000000", "tranches": ["15000000", "10000000"]}, expect=201)
        check(award["state"] == "prepared" and award["rank"] == 1 and award["tier_name"] == "대상",
              f"manager.kim prepared award {award['id']}: 25,000,000 won (대상, rank 1) in two tranches")
        status, body, _ = self.kim.call("POST", f"/api/v1/contest-awards/{award['id']}/approve/", None,
                                        key="e2e-c-award-kim")
        check(status == 409, f"manager.kim's own approval of the award is refused: {status} {body['code']}")
        approved = self.lee.ok("POST", f"/api/v1/contest-awards/{award['id']}/approve/", None, key="e2e-c-award")
        check(approved["state"] == "approved" and approved["figures"]["reserved"] == "25000000",
              "manager.lee approved it: 25,000,000 reserved out of the joint fund")
        first_tranche = approved["tranches"][0]
        tranche = self.kim.ok("POST", f"/api/v1/award-tranches/{first_tranche['id']}/pay/", {"paid_on": day(0)},
                              key="e2e-c-tranche-1")
        check(tranche["state"] == "paid" and tranche["amount"] == "15000000",
              f"manager.kim paid tranche 1 (15,000,000 won) on {day(0)}")
        mine = rows(self.member.ok("GET", f"/api/v1/contest-awards/?contest={cid}"))
        check([(a["id"], a["paid"]) for a in mine] == [(award["id"], "15000000")],
              "coop.member sees its award, 15,000,000 won paid")

        fund = self.kim.ok("GET", f"/api/v1/contests/{cid}/")["fund"]
        expected = {"contributions": "50000000", "paid": "50000000", "cash": "25000000", "reserved": "10000000",
                    "advanced": "15000000", "spent": "0"}
        check(fund["reconciled"] and {k: fund[k] for k in expected} == expected,
              "the joint fund is reconciled: 50,000,000 paid in = cash 25,000,000 + reserved 10,000,000 + "
              "advanced 15,000,000")
        check(self.member.ok("GET", f"/api/v1/contests/{cid}/")["fund"] is None,
              "a member reads the contest's public fields only (no fund)")
        ranking = self.auditor.ok("GET", f"/api/v1/contests/{cid}/ranking/?round=final")
        first = ranking["rows"][0]
        check(first["rank"] == 1 and first["entry"] == ours == approved["entry"] and first["combined"] == "90.0000",
              f"the final's ranking (auditor.park) gives rank 1 to the awarded entry {ours}: {first['combined']}")
        self.findings["contest"] = cid

    def _contest_round(self, cid: int, kind: str, judge_id: int) -> int:
        """manager.kim sets up the contest's round of ``kind`` (the rubric, one expert panel), seats judge.choi on
        it and opens it. Returns the round's id."""
        judged = self.kim.ok("POST", "/api/v1/contest-rounds/", {
            "contest": cid, "kind": kind, "aggregation": "mean", "criteria": self.RUBRIC,
            "panels": [{"name": "전문가 심사위원회", "kind": "expert", "weight": "100"}]}, expect=201)
        panel = judged["panels"][0]["id"]
        self.kim.ok("POST", f"/api/v1/contest-rounds/{judged['id']}/judges/", {"panel": panel, "judges": [judge_id]})
        opened = self.kim.ok("POST", f"/api/v1/contest-rounds/{judged['id']}/open/", {})
        check(opened["state"] == "open" and len(opened["criteria"]) == 4
              and opened["panels"][0]["judges"] == [{"id": judge_id, "name": "최은영"}],
              f"manager.kim set up the {kind} round {judged['id']} (4 criteria, judge.choi on its expert panel) "
              f"and opened it")
        return int(judged["id"])

    def _score(self, entry: int, marks: dict[str, str], total: str, kind: str) -> None:
        score = self.judge.ok("POST", f"/api/v1/contest-entries/{entry}/scores/", {"marks": marks}, expect=201)
        check(score["total"] == total and score["round_kind"] == kind and score["counts"],
              f"judge.choi scored entry {entry} in the {kind}: {total}")

    def _close_and_advance(self, cid: int, round_id: int, kind: str, winner: int, loser: int | None) -> None:
        """kim closes the round and prepares its advance list (top 1); kim's own confirm is refused; lee confirms."""
        closed = self.kim.ok("POST", f"/api/v1/contest-rounds/{round_id}/close/", {})
        status, body, _ = self.judge.call("POST", f"/api/v1/contest-entries/{winner}/scores/", {
            "marks": {"social-value": "1", "viability": "1", "feasibility": "1", "local-ties": "1"}})
        check(closed["state"] == "closed" and status == 409,
              f"manager.kim closed the {kind} round: judge.choi's scores are locked ({status})")
        ranking = self.kim.ok("GET", f"/api/v1/contests/{cid}/ranking/?round={kind}")
        ranks = {row["entry"]: row["rank"] for row in ranking["rows"]}
        check(ranks.get(winner) == 1 and (loser is None or ranks.get(loser, 0) is None),
              f"the {kind} ranking: entry {winner} first" + (f", entry {loser} unranked (recused)" if loser else ""))
        prepared = self.kim.ok("POST", "/api/v1/advance-lists/", {"round": round_id, "top_n": 1}, expect=201)
        status, body, _ = self.kim.call("POST", f"/api/v1/advance-lists/{prepared['id']}/confirm/", {})
        check(status == 409 and body["fields"].get("prepared_by"),
              f"manager.kim prepared the {kind} advance list (top 1); its own confirmation is refused: {status} "
              f"(four eyes)")
        confirmed = self.lee.ok("POST", f"/api/v1/advance-lists/{prepared['id']}/confirm/", {})
        going = [line["entry"] for line in confirmed["lines"] if line["advances"]]
        check(confirmed["state"] == "confirmed" and going == [winner],
              f"manager.lee confirmed it: entry {winner} goes on")

    # --- the campaign story --------------------------------------------------------------------------------------

    CARD_OK, CARD_DECLINED_TWICE = "4330123400000017", "4330123400000041"  # standins/payment_provider/README.md

    def provider(self, method: str, path: str, body: Any = None, *, key: str | None = None) -> tuple[int, Any]:
        """A call to the payment provider's stand-in: ``key`` "client" (the checkout), None (its control endpoints)."""
        headers = {"Content-Type": "application/json"}
        if key == "client":
            headers["Authorization"] = "Basic " + base64.b64encode(f"{self.s.payments_client_key}:".encode()).decode()
        request = urllib.request.Request(self.s.provider_url + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def run_task(self, name: str, *args: str) -> str:
        """Send a task to the worker through Redis (``celery call``) and wait for it to succeed there."""
        argv = [str(VENV_BIN / "celery"), "-A", "config", "call", name]
        if args:
            argv += ["--args", json.dumps(list(args))]
        call = subprocess.run(argv, cwd=ROOT, env=self.s.env(), capture_output=True, text=True, timeout=60)
        if call.returncode != 0:
            raise CheckFailed(f"celery call {name} failed: {call.stderr[-500:]}")
        task_id = call.stdout.strip()
        self.wait_until(f"{name}{list(args)} in the worker",
                        lambda: f"{name}[{task_id}] succeeded" in self.s.log_text("worker"), 300)
        return task_id

    def backer(self, email: str, name: str) -> Client:
        """A citizen signs up through the API, opens the link in the email the worker sent, and logs in."""
        anonymous = Client.__new__(Client)
        anonymous.stack, anonymous.username, anonymous.token = self.s, email, ""
        status, body, _ = anonymous.call("POST", "/api/v1/auth/signup/", {
            "email": email, "password": PASSWORD, "display_name": name}, auth=False)
        if status != 201 or body["email_verified"]:
            raise CheckFailed(f"{email} could not sign up: {status} {body}")

        def link() -> str | None:
            for mail in self.s.mails():
                if mail["To"] == email:
                    found = re.search(r"/verify-email/([^/\s]+)/", mail.get_content())
                    if found:
                        return found.group(1)
            return None

        self.wait_until(f"the verification email to {email}", lambda: link() is not None, 120)
        status, body, _ = anonymous.call("POST", "/api/v1/auth/verify-email/", {"token": link()}, auth=False)
        if status != 200 or not body["email_verified"]:
            raise CheckFailed(f"{email} could not verify its address: {status} {body}")
        return Client(self.s, email)

    def pledge(self, who: Client, campaign: int, amount: int, reward: int | None, card: str,
               expect: int = 201) -> tuple[int, Any]:
        """The backer registers its card on the stand-in's payment page (billing: all or nothing) and pledges with
        the auth key it gave back."""
        customer = f"backer-{uuid.uuid4().hex[:12]}"
        status, page = self.provider("POST", "/v1/test/checkout", {
            "mode": "billing", "customerKey": customer, "cardNumber": card, "cardExpiry": "12/39",
            "birthDate": "900101"}, key="client")
        if status != 200:
            raise CheckFailed(f"the stand-in's checkout refused card {card}: {status} {page}")
        status, body, _ = who.call("POST", f"/api/v1/campaigns/{campaign}/pledges/", {
            "amount": str(amount), "reward": reward,
            "payment": {"auth_key": page["authKey"], "customer_key": page["customerKey"]}},
            key=f"e2e-pledge-{uuid.uuid4().hex[:10]}")
        if status != expect:
            raise CheckFailed(f"{who.username}: pledge of {amount} -> {status} {body}")
        return status, body

    def campaign_story(self) -> None:
        """A contest's funding phase over HTTP, from launch to settlement, with the payment provider's stand-in and
        the worker: manager.kim opens a contest with a funding phase that began today, screens two entries (judge.choi
        scores, manager.lee confirms) and moves it to funding; a matching pool with two funders (the city and the
        bank) and their money; coop.member drafts, edits and launches an all-or-nothing campaign ending today with a
        reward of 2; four citizens sign up and verify by the link in their email; they pledge through the stand-in's
        checkout (one card declined twice, then approved), the reward sells out, one backer cancels; a webhook
        replayed changes nothing. Then the following days' funding runs in the worker: the campaign closes as a
        success, the charges run (the twice-declined card charged on its third day), the campaign and the pool settle;
        the payout file (CSV) and the settlement statement (PDF) download and agree."""
        log("== the campaign story")
        started = time.monotonic()
        day = lambda n: (self.today - timedelta(days=n)).isoformat()  # noqa: E731
        institutions = rows(self.kim.ok("GET", "/api/v1/institutions/"))
        city = next(i for i in institutions if i["name"] == "대구광역시")
        bank = next(i for i in institutions if i["name"] == "(주)달빛은행")
        coop = rows(self.member.ok("GET", "/api/v1/enterprises/"))[0]
        village = rows(self.village.ok("GET", "/api/v1/enterprises/"))[0]
        contest = self.kim.ok("POST", "/api/v1/contests/", {
            "code": "e2e-daegu-funding", "name": "대구 소셜 크라우드펀딩 대회 펀딩 (e2e)", "host": city["id"],
            "eligible_kinds": sorted({coop["kind"], village["kind"]}), "eligible_provinces": [],
            "call_opens_on": day(12), "call_closes_on": day(8), "screening_ends_on": day(1),
            "funding_ends_on": day(-1), "final_ends_on": day(-15), "awards_end_on": day(-30),
            "target_min": "100000", "target_max": "30000000"}, expect=201)
        cid = contest["id"]
        # The contest's past cannot be made over HTTP today (an entry is made while the call is open, a campaign
        # starts after screening ends): its call, two entries and the screening are done through the services, each
        # on its own day, 11 to 2 days ago, by the people who would have done them.
        ours, theirs = (int(n) for n in self.s.manage("shell", "-c", PAST.format(contest=cid)).split()[-2:])
        moved = self.kim.ok("POST", f"/api/v1/contests/{cid}/advance/", {})
        check(moved["phase"] == "funding",
              f"manager.kim opened contest {cid} (funding {day(0)} to {day(-1)}); its call and screening passed "
              f"(entries {ours} and {theirs} advanced); kim moved it to its funding phase")

        pool = self.kim.ok("POST", "/api/v1/matching-pools/", {
            "contest": cid, "name": "대구시·달빛은행 1:1 매칭 (e2e)", "rule": "match", "factor": "1",
            "cap_per_pledge": "30000"}, expect=201)
        pid = pool["id"]
        funders = {}
        for institution, committed in ((city, "100000"), (bank, "50000")):
            detail = self.kim.ok("POST", f"/api/v1/matching-pools/{pid}/funders/", {
                "institution": institution["id"], "committed": committed}, expect=201)
            funders[institution["id"]] = next(f for f in detail["funders"] if f["institution"] == institution["id"])
        for n, institution in enumerate((city, bank)):
            funder = funders[institution["id"]]
            self.kim.ok("POST", f"/api/v1/matching-pools/{pid}/fundings/", {
                "funder": funder["id"], "amount": funder["committed"], "received_on": day(0),
                "memo": f"{institution['name']} 매칭 출연"}, expect=201, key=f"e2e-pool-funding-{n}")
        pool = self.kim.ok("GET", f"/api/v1/matching-pools/{pid}/")
        check(pool["totals"]["paid_in"] == "150000",
              f"manager.kim opened matching pool {pid} (1:1 up to 30,000 won a pledge); the city and the bank paid "
              f"in 100,000 and 50,000 won: {pool['totals']}")

        campaign = self.member.ok("POST", "/api/v1/campaigns/", {
            "entry": ours, "title": "다회용컵 순환 카페", "story": "일회용 컵 없는 동네를 만듭니다.", "mode": "aon",
            "target": "400000", "min_pledge": "10000", "starts_on": day(0), "ends_on": day(0)}, expect=201)
        cmp = campaign["id"]
        self.member.ok("PATCH", f"/api/v1/campaigns/{cmp}/", {
            "title": "서울숲 다회용컵 순환 카페", "target": "300000", "story": "일회용 컵 없는 동네를 함께 만듭니다."})
        with_reward = self.member.ok("POST", f"/api/v1/campaigns/{cmp}/rewards/", {
            "title": "다회용 텀블러", "description": "로고를 새긴 스테인리스 텀블러", "price": "50000", "stock": 3},
            expect=201)
        reward = with_reward["rewards"][0]["id"]
        self.member.ok("PATCH", f"/api/v1/campaigns/{cmp}/rewards/{reward}/", {"stock": 2})
        launched = self.member.ok("POST", f"/api/v1/campaigns/{cmp}/launch/", {})
        check(launched["state"] == "live" and launched["target"] == "300000"
              and launched["rewards"][0]["remaining"] == 2,
              f"coop.member drafted campaign {cmp} (all or nothing), edited it (target 300,000 won, the reward's "
              f"stock 2) and launched it: {launched['state']}, ending {launched['ends_on']}")
        status, public, _ = Client.call(self.kim, "GET", f"/api/v1/campaigns/{cmp}/", auth=False)
        check(status == 200 and public["title"] == "서울숲 다회용컵 순환 카페",
              "anyone reads the live campaign without signing in")

        names = [("jiwoo.han", "한지우"), ("minseo.oh", "오민서"), ("doyun.lim", "임도윤"), ("seoyeon.bae", "배서연")]
        backers = [self.backer(f"{user}.{uuid.uuid4().hex[:6]}@example.com", name) for user, name in names]
        check(len(backers) == 4, "four citizens signed up through the API and verified their addresses by the link in "
                                 "the email the worker sent")
        _, first = self.pledge(backers[0], cmp, 100_000, reward, self.CARD_OK)
        _, twice = self.pledge(backers[1], cmp, 100_000, reward, self.CARD_DECLINED_TWICE)
        status, sold_out = self.pledge(backers[2], cmp, 80_000, reward, self.CARD_OK, expect=409)
        check(sold_out["fields"].get("reward"), f"the reward is sold out after two: {status} {sold_out['fields']}")
        _, leaver = self.pledge(backers[2], cmp, 80_000, None, self.CARD_OK)
        _, last = self.pledge(backers[3], cmp, 150_000, None, self.CARD_OK)
        matched = [p["matched"] for p in (first, twice, leaver, last)]
        check(all(p["state"] == "reserved" for p in (first, twice, leaver, last)),
              f"four pledges reserved (billing keys, nothing charged yet), matched {matched}")
        cancelled = backers[2].ok("POST", f"/api/v1/pledges/{leaver['id']}/cancel/", {})
        check(cancelled["state"] == "cancelled",
              f"{backers[2].username} cancelled its pledge {leaver['id']} (its match back to the pool: "
              f"{[m['state'] for m in cancelled['matches']]})")
        mine = rows(backers[3].ok("GET", "/api/v1/pledges/"))
        check([p["id"] for p in mine] == [last["id"]], "a backer sees only its own pledge")
        live = self.kim.ok("GET", f"/api/v1/campaigns/{cmp}/")
        check(live["pledged"] == "350000" and live["backers"] == 3,
              f"the campaign: 350,000 won pledged by 3 backers, matched {live['matched']}")

        # A webhook delivered again (the stand-in's control endpoint) changes nothing.
        self.wait_until("the stand-in's webhooks delivered", lambda: all(
            e["delivered"] for e in self.provider("GET", "/_control/events")[1]["events"]), 60)
        events = self.provider("GET", "/_control/events")[1]["events"]
        replayed = next(e for e in events if e["eventType"] == "BILLING_KEY_DELETED")
        before = (self.count("crowdfunding_paymentwebhook"), self.count("ledger_journal"),
                  self.sql(f"SELECT state FROM crowdfunding_pledge WHERE id = {leaver['id']}"))
        self.provider("POST", f"/_control/events/{replayed['eventId']}/redeliver", {})
        self.wait_until("the replayed webhook answered", lambda: len(next(
            e for e in self.provider("GET", "/_control/events")[1]["events"]
            if e["eventId"] == replayed["eventId"])["deliveries"]) >= 2, 60)
        deliveries = next(e for e in self.provider("GET", "/_control/events")[1]["events"]
                          if e["eventId"] == replayed["eventId"])["deliveries"]
        after = (self.count("crowdfunding_paymentwebhook"), self.count("ledger_journal"),
                 self.sql(f"SELECT state FROM crowdfunding_pledge WHERE id = {leaver['id']}"))
        check(deliveries[-1]["status"] == 200 and after == before,
              f"the cancelled pledge's webhook, replayed, is answered 200 and changes nothing: {after}")

        # The deadline passes: the funding phase's daily run, for each following day, in the worker.
        reports = {}
        for n in (1, 2, 3):
            self.run_task("crowdfunding.run_funding", day(-n))
            reports[n] = self.sql(f"SELECT state || ':' || charge_attempts FROM crowdfunding_pledge "
                                  f"WHERE id = {twice['id']}")
        closed = self.kim.ok("GET", f"/api/v1/campaigns/{cmp}/")
        check(reports == {1: "retrying:1", 2: "retrying:2", 3: "charged:3"},
              f"the twice-declined card was charged on its third day: {reports}")
        charged = {p["id"]: p for p in rows(self.kim.ok("GET", "/api/v1/pledges/?page_size=100"))
                   if p["campaign"] == cmp}
        check(all(charged[p["id"]]["state"] == "charged" for p in (first, twice, last))
              and charged[leaver["id"]]["state"] == "cancelled",
              f"the campaign succeeded ({closed['state']}); its three pledges are charged")
        settlements = rows(self.kim.ok("GET", f"/api/v1/campaign-settlements/?contest={cid}"))
        check(len(settlements) == 1 and settlements[0]["succeeded"] and settlements[0]["charged"] == "350000",
              "the campaign settled: " + ", ".join(f"{k} {settlements[0][k]}" for k in (
                  "charged", "platform_fee", "payment_fee", "matched", "top_up", "net_payout")))
        settlement = settlements[0]
        pool = self.kim.ok("GET", f"/api/v1/matching-pools/{pid}/")
        check(pool["state"] == "settled", f"the pool settled, its unspent money back to its funders: {pool['totals']}")

        status, data, headers = self.kim.call("GET", f"/api/v1/contests/{cid}/payout-file/?format=csv", raw=True)
        lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) if status == 200 else []
        check(status == 200 and any(settlement["net_payout"] in line or f"{int(settlement['net_payout']):,}" in line
                                    for line in lines),
              f"manager.kim downloads the payout file ({headers.get('content-type')}): {len(lines)} rows, the net "
              f"payout {settlement['net_payout']} won on one")
        statement = self.member.ok("POST", "/api/v1/statements/", {"kind": "campaign_settlement", "subject": cmp},
                                   expect=202)
        data = self.wait_statement(self.member, statement["id"])
        status, pdf, _ = self.member.call("GET", f"/api/v1/statements/{statement['id']}/pdf/", raw=True)
        path = self.s.workdir / "campaign-settlement.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        check(status == 200 and pdf.startswith(b"%PDF-") and f"{int(settlement['net_payout']):,}" in text,
              f"coop.member downloads the settlement statement {data['number']}: it shows the net payout")
        self.findings["campaign"] = {"campaign": cmp, "net_payout": settlement["net_payout"],
                                     "seconds": round(time.monotonic() - started)}

    # --- the social impact bond story ----------------------------------------------------------------------------

    EVIDENCE = b"%PDF-1.4\n% e2e: the final evaluation report of the NEET youth contract\n"

    def bond_story(self) -> None:
        """A social impact bond's life over HTTP, each step by the person who would do it: manager.kim registers the
        city of Seoul and four investing institutions (their investor users and a second evaluator of the demo's
        evaluator institution are made through ``manage.py shell``), sets up a draft contract (three investors'
        commitments, a metric with a linear achievement table, a principal line and a cap, an interim and a final
        evaluation point); kim's own signing is refused, lee signs; capital is called pro rata to the commitments and
        each line recorded paid (a replay with the same key changes nothing); the service starts and the capital is
        disbursed to the provider; evaluator.jung records the final result with an evidence file (multipart), its
        own confirmation is refused, evaluator.moon confirms; an investor sees its own lines only, another
        institution's investor gets 404; the payment quote is what kim prepares, kim's own approval is refused, lee
        approves and the payment is posted; the cash is distributed pro rata to paid-in capital; the investor's and
        the contract's statements are rendered by the worker; the INDIGO export names the payment."""
        log("== the social impact bond story")
        started = time.monotonic()
        day = lambda n: (self.today - timedelta(days=n)).isoformat()  # noqa: E731
        institutions = rows(self.kim.ok("GET", "/api/v1/institutions/"))
        operator = next(i for i in institutions if i["kind"] == "intermediary")
        evaluator = next(i for i in institutions if i["name"] == "서울숲대학교 사회성과평가센터")
        provider = rows(self.member.ok("GET", "/api/v1/enterprises/"))[0]
        registered = {
            name: self.kim.ok("POST", "/api/v1/institutions/", {"name": name, "kind": kind, "province": "seoul"},
                              expect=201)
            for name, kind in (("서울특별시", "municipality"), ("(주)새싹임팩트투자", "investor"),
                               ("(재)나눔사회투자재단", "investor"), ("다온사회적금융협동조합", "investor"),
                               ("(주)한빛임팩트파트너스", "investor"))}
        city, stranger = registered["서울특별시"], registered["(주)한빛임팩트파트너스"]
        investors = [registered[name]
                     for name in ("(주)새싹임팩트투자", "(재)나눔사회투자재단", "다온사회적금융협동조합")]
        people = [("invest.kim", "김", "도현", "investor", investors[0]["id"]),
                  ("invest.park", "박", "서윤", "investor", investors[1]["id"]),
                  ("invest.choi", "최", "지호", "investor", investors[2]["id"]),
                  ("invest.yoon", "윤", "하람", "investor", stranger["id"]),
                  ("evaluator.moon", "문", "채원", "evaluator", evaluator["id"])]
        self.s.manage("shell", "-c", BOND_PEOPLE.format(people=people))
        check(True, f"manager.kim registered {city['name']} and four investing institutions; their investor users "
                    f"and evaluator.moon of {evaluator['name']} (evaluator.jung's colleague) were made")

        # 1. The draft: 6억 committed (3억, 2억, 1억), a budget cap of 7억, one metric on a linear table.
        contract = self.kim.ok("POST", "/api/v1/bonds/", {
            "code": "e2e-seoul-neet", "name": "서울시 니트청년 자립 사회성과보상사업 (e2e)",
            "outcome_payer": city["id"], "operator": operator["id"], "provider": provider["id"],
            "evaluator": evaluator["id"], "service_starts_on": day(70), "service_ends_on": day(25),
            "max_payment": "700000000"}, expect=201)
        bid = contract["id"]
        for investor, commitment in zip(investors, ("300000000", "200000000", "100000000"), strict=True):
            self.kim.ok("POST", f"/api/v1/bonds/{bid}/investments/", {
                "investor": investor["id"], "commitment": commitment}, expect=201)
        metric = self.kim.ok("POST", "/api/v1/bond-metrics/", {
            "contract": bid, "code": "employed", "definition": "6개월 이상 고용을 유지한 참여 청년", "unit": "명",
            "target_population": "서울시 니트(NEET) 청년 200명", "targeted_number": 200, "target": "20",
            "validation_method": "historical", "data_source": "고용보험 피보험자격 이력"}, expect=201)
        mid = metric["id"]
        term = self.kim.ok("PUT", f"/api/v1/bond-metrics/{mid}/term/", {
            "kind": "table", "mode": "linear", "below": "linear", "principal": "600000000", "principal_line": "20",
            "cap_percent": "115", "steps": [{"threshold": "20", "percent": "100"},
                                            {"threshold": "30", "percent": "125"}]})["term"]
        points = {kind: self.kim.ok("POST", f"/api/v1/bonds/{bid}/points/", {
            "kind": kind, "name": name, "on_date": on}, expect=201)
            for kind, name, on in (("interim", "중간 평가", day(40)), ("final", "최종 평가", day(20)))}
        draft = self.kim.ok("GET", f"/api/v1/bonds/{bid}/")
        check(draft["state"] == "draft" and draft["committed"] == "600000000" and term["kind"] == "table"
              and len(term["steps"]) == 2 and len(points) == 2,
              f"manager.kim set up draft contract {bid} ({city['name']} pays, {operator['name']} operates, "
              f"{provider['name']} provides, {evaluator['name']} evaluates): 600,000,000 committed by three "
              f"investors, metric {mid} on a linear table (20 % -> 100 %, 30 % -> 125 %, capped at 115 %), an "
              f"interim and a final evaluation point")

        # 2. Four eyes on the signing.
        status, body, _ = self.kim.call("POST", f"/api/v1/bonds/{bid}/sign/", {"signed_on": day(80)})
        check(status == 409 and body["code"] == "invalid_state",
              f"manager.kim's own signing is refused (four eyes): {status} {body['code']}")
        signed = self.lee.ok("POST", f"/api/v1/bonds/{bid}/sign/", {"signed_on": day(80)})
        check(signed["state"] == "signed" and signed["signed_on"] == day(80), f"manager.lee signed it ({day(80)})")

        # 3. Capital called pro rata to the commitments (3 : 2 : 1), each line recorded paid; a replay changes nothing.
        call = self.kim.ok("POST", f"/api/v1/bonds/{bid}/capital-calls/", {
            "amount": "600000000", "call_on": day(78), "due_on": day(68)}, expect=201, key="e2e-b-call")
        lines = call["lines"]
        check([line["amount"] for line in lines] == ["300000000", "200000000", "100000000"]
              and [line["investor"] for line in lines] == [i["id"] for i in investors],
              "manager.kim called 600,000,000 in proportion to the commitments: 300,000,000, 200,000,000, "
              "100,000,000")
        for line in lines:
            paid = self.kim.ok("POST", f"/api/v1/bonds/{bid}/capital-call-lines/{line['id']}/pay/",
                               {"paid_on": day(75)}, key=f"e2e-b-paid-{line['id']}")
        check(paid["state"] == "paid" and all(line["paid_on"] == day(75) for line in paid["lines"]),
              f"each investor's payment was recorded ({day(75)}): the call is paid")
        first = lines[0]["id"]
        journals = self.count("ledger_journal")
        status, _again, headers = self.kim.call("POST", f"/api/v1/bonds/{bid}/capital-call-lines/{first}/pay/",
                                                {"paid_on": day(75)}, key=f"e2e-b-paid-{first}")
        check(status == 200 and headers.get("idempotent-replayed") == "true"
              and self.count("ledger_journal") == journals
              and self.count("ledger_journal", f"idempotency_key LIKE 'bond-call-line:{first}:paid:%'") == 1,
              f"the retried payment of line {first} (same key) replays: one journal for it, {journals} in all")
        started_service = self.lee.ok("POST", f"/api/v1/bonds/{bid}/start/", {"started_on": day(70)})
        tranche = self.kim.ok("POST", f"/api/v1/bonds/{bid}/disbursements/", {
            "amount": "600000000", "paid_on": day(69), "memo": "1차 사업비"}, expect=201, key="e2e-b-disbursement")
        running = self.kim.ok("GET", f"/api/v1/bonds/{bid}/")
        funding = self.member.ok("GET", f"/api/v1/bonds/{bid}/disbursements/")
        check(started_service["state"] == "in_service" and tranche["number"] == 1
              and (running["paid_in"], running["disbursed"]) == ("600000000", "600000000")
              and [d["amount"] for d in funding] == ["600000000"],
              f"manager.lee started the service ({day(70)}); manager.kim disbursed 600,000,000 to the provider "
              f"({day(69)}), which coop.member reads")

        # 4. The final result: recorded with its evidence by one evaluator, confirmed by another (four eyes).
        evaluating = self.lee.ok("POST", f"/api/v1/bonds/{bid}/evaluate/", {"on_date": day(20)})
        check(evaluating["state"] == "evaluating", f"manager.lee began the final evaluation ({day(20)})")
        jung, moon = Client(self.s, "evaluator.jung"), Client(self.s, "evaluator.moon")
        status, result, _ = jung.call("POST", "/api/v1/bond-results/", {
            "metric": mid, "point": points["final"]["id"], "engaged": 200, "with_outcome": 51,
            "note": "고용보험 이력으로 확인"},
            files={"evidence": ("final-report.pdf", self.EVIDENCE, "application/pdf")})
        check(status == 201 and result["state"] == "recorded"
              and [e["sha256"] for e in result["evidence"]] == [hashlib.sha256(self.EVIDENCE).hexdigest()],
              f"evaluator.jung recorded the final result, 51 of 200, with its evidence file (multipart): {status}")
        rid = result["id"]
        status, body, _ = jung.call("POST", f"/api/v1/bond-results/{rid}/confirm/")
        check(status == 409 and body["code"] == "invalid_state",
              f"evaluator.jung's own confirmation is refused (four eyes): {status}")
        confirmed = moon.ok("POST", f"/api/v1/bond-results/{rid}/confirm/")
        check(confirmed["state"] == "confirmed" and confirmed["confirmed_by"] != confirmed["recorded_by"],
              "evaluator.moon, of the same institution, confirmed it")
        own = Client(self.s, "invest.kim")
        seen = own.ok("GET", f"/api/v1/bonds/{bid}/")
        mine = own.ok("GET", f"/api/v1/bonds/{bid}/investments/")
        calls = own.ok("GET", f"/api/v1/bonds/{bid}/capital-calls/")
        results = rows(own.ok("GET", "/api/v1/bond-results/"))
        check(seen["id"] == bid and [row["investor"] for row in mine] == [investors[0]["id"]]
              and [[line["investor"] for line in c["lines"]] for c in calls] == [[investors[0]["id"]]]
              and [(r["id"], r["state"]) for r in results] == [(rid, "confirmed")],
              "invest.kim reads the contract and the confirmed result; of the investments and the call's lines, its "
              "own only")
        outsider = Client(self.s, "invest.yoon")
        status, body, _ = outsider.call("GET", f"/api/v1/bonds/{bid}/")
        check(status == 404 and body["code"] == "not_found" and rows(outsider.ok("GET", "/api/v1/bonds/")) == [],
              f"invest.yoon, of {stranger['name']} (not an investor of it), gets {status} on the contract")

        # 5. The outcome payment. The table by hand: 51 of 200 is 25.50 %, between the rows 20 % -> 100 % and
        # 30 % -> 125 %, linear: 100 + (25.50 - 20) x (125 - 100) / (30 - 20) = 100 + 13.75 = 113.75 % of the
        # principal 600,000,000 = 682,500,000 won; below the cap (115 %: 690,000,000) and the budget cap
        # (700,000,000). At 60 of 200 (30 %) the table would give 125 %: held to the cap, 690,000,000.
        due = 600_000_000 * 11375 // 10000
        quote = self.kim.ok("GET", f"/api/v1/bonds/{bid}/payment-quote/?metric={mid}&engaged=200&achieved=51")
        higher = self.kim.ok("GET", f"/api/v1/bonds/{bid}/payment-quote/?metric={mid}&engaged=200&achieved=60")
        check(quote["amount"] == str(due) and not quote["capped"]
              and (higher["amount"], higher["capped"]) == ("690000000", True),
              f"the quote for 51 of 200: {int(quote['amount']):,} won ({quote['percent']} %); for 60 of 200 the cap "
              f"holds it to {int(higher['amount']):,}")
        prepared = self.kim.ok("POST", "/api/v1/bond-payments/", {"point": points["final"]["id"], "paid_on": day(10)},
                               expect=201)
        pid = prepared["id"]
        check(prepared["amount"] == quote["amount"] and prepared["final"] and prepared["state"] == "prepared",
              f"manager.kim prepared payment {pid}: {int(prepared['amount']):,} won, the quote's figure")
        status, body, _ = self.kim.call("POST", f"/api/v1/bond-payments/{pid}/approve/", key="e2e-b-approve-kim")
        check(status == 409 and body["code"] == "invalid_state",
              f"manager.kim's own approval is refused (four eyes): {status}")
        approved = self.lee.ok("POST", f"/api/v1/bond-payments/{pid}/approve/", key="e2e-b-approve")
        settled = self.kim.ok("GET", f"/api/v1/bonds/{bid}/")
        check(approved["state"] == "paid" and settled["state"] == "settled" and settled["outcome_paid"] == str(due)
              and self.count("ledger_journal", "kind = 'bond.outcome_payment'") == 1,
              f"manager.lee approved it: {due:,} won paid from the city's budget (one journal), the contract settled")

        # 6. Distributed pro rata to paid-in capital (3 : 2 : 1).
        distribution = self.lee.ok("POST", "/api/v1/bond-distributions/", {
            "contract": bid, "amount": str(due), "paid_on": day(5)}, expect=201, key="e2e-b-distribution")
        shares = [line["amount"] for line in distribution["lines"]]
        check(shares == ["341250000", "227500000", "113750000"],
              f"manager.lee distributed {due:,} won pro rata to paid-in capital: {shares}")
        figures = self.kim.ok("GET", f"/api/v1/bonds/{bid}/investments/")
        check([row["paid_in"] for row in figures] == ["300000000", "200000000", "100000000"]
              and [row["distributed"] for row in figures] == shares
              and all(row["multiple"] == "1.1375" and row["irr"] is not None and float(row["irr"]) > 0
                      for row in figures),
              "each investor's figures: multiple 1.1375, IRR " + ", ".join(row["irr"] for row in figures))
        theirs = rows(own.ok("GET", "/api/v1/bond-distributions/"))
        check([[line["investor"] for line in d["lines"]] for d in theirs] == [[investors[0]["id"]]],
              "invest.kim sees its own distribution line only")

        # 7. The statements, rendered by the worker.
        investor_statement = own.ok("POST", "/api/v1/statements/", {"kind": "bond_investor", "subject": mine[0]["id"]},
                                    expect=202)
        status, _body, _ = own.call("POST", "/api/v1/statements/", {"kind": "bond_contract", "subject": bid})
        check(status == 404, f"invest.kim asked for its investor statement; the contract's is not for it: {status}")
        contract_statement = self.auditor.ok("POST", "/api/v1/statements/", {"kind": "bond_contract", "subject": bid},
                                             expect=202)
        for who, made, file, title, figure in (
                (own, investor_statement, "bond-investor.pdf", "사회성과보상사업 투자 명세서", 341_250_000),
                (self.auditor, contract_statement, "bond-contract.pdf", "사회성과보상사업 명세서", due)):
            data = self.wait_statement(who, made["id"])
            status, pdf, _ = who.call("GET", f"/api/v1/statements/{made['id']}/pdf/", raw=True)
            path = self.s.workdir / file
            path.write_bytes(pdf)
            text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
            check(status == 200 and pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == data["sha256"]
                  and title in text and f"{figure:,}" in text and "불일치" not in text
                  and (who is not own or investors[1]["name"] not in text),
                  f"{who.username} downloads {data['number']} ({title}): it shows {figure:,} and agrees with the "
                  f"ledger")

        # 8. The INDIGO export.
        export = self.kim.ok("GET", f"/api/v1/bonds/{bid}/indigo/", expect=200)
        paid_out = [p["money"]["amount"]["value"] for p in export["project"]["data"]["outcome_payments"]]
        check(export["standard"] == "INDIGO" and paid_out == [due],
              f"the INDIGO {export['version']} export ({export['project']['id']}) names the outcome payment: "
              f"{paid_out}")
        self.findings["bond"] = {"contract": bid, "outcome_payment": due, "seconds": round(time.monotonic() - started)}

    def web_login(self) -> None:
        """A fund manager signs in through the pages once, as a browser does: the login form and its CSRF token,
        the session cookie, then the console and the loans the story made."""
        log("== the web login")
        conn = http.client.HTTPConnection("127.0.0.1", self.s.web_port, timeout=60)
        conn.request("GET", "/login/")
        response = conn.getresponse()
        page = response.read().decode()
        cookies = {c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0]
                   for c in response.headers.get_all("Set-Cookie") or []}
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        check(response.status == 200 and token is not None and "csrftoken" in cookies,
              "the login page gives a form with its CSRF token")
        assert token is not None
        body = urllib.parse.urlencode({"username": "manager.kim", "password": PASSWORD,
                                       "csrfmiddlewaretoken": token.group(1)})
        conn.request("POST", "/login/", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Origin": f"http://127.0.0.1:{self.s.web_port}"})
        response = conn.getresponse()
        response.read()
        session = {c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0]
                   for c in response.headers.get_all("Set-Cookie") or []}.get("sessionid")
        check(response.status == 302 and response.getheader("Location") == "/console/" and bool(session),
              "the login form signs the manager in and sends him to the console")
        for path, what in (("/console/", "the console"), (f"/console/loans/?fund={self.fund_id}", "the fund's loans")):
            conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
            response = conn.getresponse()
            html = response.read().decode()
            check(response.status == 200 and '<html lang="ko">' in html, f"{what} opens in Korean")
        check(re.search(r'href="/console/loans/\d+/"', html) is not None, "the loans page lists the story's loans")
        conn.close()
        self.findings["web_login"] = "ok"

    # --- faults ------------------------------------------------------------------------------------------------

    def worker_killed_mid_render(self) -> None:
        log("== fault: the worker is killed (SIGKILL) while it renders a statement")
        day = lambda n: (self.today - timedelta(days=n)).isoformat()  # noqa: E731
        for attempt in range(1, 4):
            statement = self.auditor.ok("POST", "/api/v1/statements/", {
                "kind": "fund", "subject": self.fund_id, "period_start": day(40 + attempt), "period_end": day(0)},
                expect=202)
            sid = statement["id"]
            self._wait_render_under_way(sid)
            self.s.kill("worker", signal.SIGKILL)
            state = self.sql(f"SELECT state FROM statements_statement WHERE id = {sid}")
            if state == "pending":
                break
            log(f"  the render of statement {sid} finished before the kill ({state}); trying again")
            self.s.start_worker()
            self.s.wait_for_log("worker", "ready.", 60)
        else:
            raise CheckFailed("could not kill the worker in the middle of a render in three tries")
        check(state == "pending", f"statement {sid}: the worker was killed mid-render; it is still pending")
        number = self.statement(self.auditor, sid)["number"]
        check(not list(self.s.media.rglob(f"{number}*")), "no file was written for it")
        self.wait_until("the killed render's lock to go", lambda: not self._locked(sid), 30)
        log_before = len(self.s.log_text("worker"))
        self.s.start_worker()
        started = time.monotonic()
        data = self.wait_statement(self.auditor, sid, 120)
        self.findings["kill_recovery_seconds"] = round(time.monotonic() - started, 1)
        check(len(list(self.s.media.rglob(f"{number}*"))) == 1, f"after the restart, {number} was produced once "
              f"({self.findings['kill_recovery_seconds']} s after the worker was started again)")
        row = self.sql(f"SELECT runs, lost, outcome FROM core_outboxmessage WHERE key = 'statement:{sid}:render'")
        check(row.split("|")[1:] == ["1", "succeeded"] and int(row.split("|")[0]) >= 2,
              f"its outbox message: runs|lost|outcome = {row}")
        check("lost runs handed over" in self.s.log_text("worker")[log_before:],
              "the restarted worker handed the lost run over at once (not after Redis's visibility timeout)")
        status, pdf, _ = self.auditor.call("GET", f"/api/v1/statements/{sid}/pdf/", raw=True)
        check(status == 200 and hashlib.sha256(pdf).hexdigest() == data["sha256"], "and it downloads intact")

    def _wait_render_under_way(self, sid: int) -> None:
        key = f"statement:{sid}:render"
        self.wait_until("the rendering to start", lambda: self.sql(
            f"SELECT started_at IS NOT NULL FROM core_outboxmessage WHERE key = '{key}'") == "t", 60, 0.01)
        # The render holds the statement's row lock in an open transaction: it is under way.
        self.wait_until("the render's row lock", lambda: self._locked(sid), 10, 0.01)

    def _locked(self, statement_id: int) -> bool:
        return self.sql(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'statements_statement' AND l.mode = 'RowShareLock' AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())") != "0"

    def redis_away(self) -> None:
        log("== fault: Redis is unreachable for a while")
        self.s.redis_proxy.cut()
        status, health = self.s.health()
        check(status == 200 and health["broker"]["status"] == "down" and health["status"] == "degraded",
              f"/healthz: 200, degraded, broker down ({health.get('broker')})")
        repayments, timings = [], []
        for n in range(3):
            started = time.monotonic()
            status, body, _ = self.member.call("POST", f"/api/v1/loans/{self.loan_id}/repayments/",
                                               {"amount": "50000"}, key=f"e2e-redis-away-{n}-{uuid.uuid4().hex[:6]}")
            timings.append(time.monotonic() - started)
            check(status == 201, f"repayment {n + 1} with Redis away: {status} in {timings[-1] * 1000:.0f} ms")
            repayments.append(body["id"])
        self.findings["repay_ms_redis_away"] = [round(t * 1000) for t in timings]
        statement = self.auditor.ok("POST", "/api/v1/statements/", {
            "kind": "loan", "subject": self.loan_id, "period_start": (self.today - timedelta(days=40)).isoformat(),
            "period_end": self.today.isoformat()}, expect=202)
        ids = ",".join(map(str, repayments))
        receipts = self.sql(f"SELECT count(*) FROM statements_statement WHERE kind = 'receipt' "
                            f"AND repayment_id IN ({ids})")
        check(receipts == "3", "each repayment's receipt was asked for (3, pending)")
        waiting = int(self.sql("SELECT count(*) FROM core_outboxmessage WHERE done_at IS NULL "
                               "AND published_at IS NULL"))
        check(waiting == 4, f"their rendering waits in the outbox, unpublished: {waiting} messages")
        time.sleep(5)  # a few relay ticks' worth: beat cannot reach Redis either
        check(self.sql(f"SELECT count(*) FROM statements_statement WHERE id = {statement['id']} "
                       "AND state = 'pending'") == "1", "nothing is rendered while Redis is away")
        self.s.redis_proxy.restore()
        restored = time.monotonic()
        log("  Redis is back")
        self.wait_until("every receipt and the statement to be ready", lambda: self.sql(
            f"SELECT count(*) FROM statements_statement WHERE state = 'ready' AND (id = {statement['id']} "
            f"OR (kind = 'receipt' AND repayment_id IN ({ids})))") == "4", 180)
        self.findings["redis_backlog_done_seconds"] = round(time.monotonic() - restored, 1)
        check(True, f"all four rendered {self.findings['redis_backlog_done_seconds']} s after Redis came back")
        check(self.sql(f"SELECT count(*) FROM statements_statement WHERE kind = 'receipt' "
                       f"AND repayment_id IN ({ids})") == "3", "one receipt each, no duplicate")
        check(self.count("core_outboxmessage", "done_at IS NULL") == 0, "the outbox is empty")
        status, health = self.s.health()
        check(status == 200 and health["status"] == "ok", "/healthz is ok again")

    def postgres_away(self) -> None:
        log("== fault: PostgreSQL refuses connections for a moment")
        before = {t: self.count(t) for t in ("funds_repayment", "ledger_journal", "core_auditevent",
                                              "core_outboxmessage", "statements_statement")}
        self.s.pg_proxy.cut()
        key = f"e2e-pg-away-{uuid.uuid4().hex[:8]}"
        status, body, headers = self.member.call("POST", f"/api/v1/loans/{self.loan_id}/repayments/",
                                                 {"amount": "70000"}, key=key)
        check(status == 503 and body["code"] == "service_unavailable" and headers.get("retry-after") == "5",
              f"a repayment gets 503 service_unavailable with Retry-After: {status} {body}")
        status, body, _ = self.member.call("GET", f"/api/v1/loans/{self.loan_id}/")
        check(status == 503 and body["code"] == "service_unavailable", f"a read gets 503 too: {status}")
        status, health = self.s.health()
        check(status == 503 and health["database"]["status"] == "down", "/healthz: 503, database down")
        after = {t: self.count(t) for t in before}
        check(after == before, f"nothing was written: {after}")
        time.sleep(2)
        self.s.pg_proxy.restore()
        restored = time.monotonic()
        self.wait_until("the service to answer again", lambda: self.s.health()[0] == 200, 60)
        self.findings["postgres_recovery_seconds"] = round(time.monotonic() - restored, 2)
        statuses = [self.member.call("GET", f"/api/v1/loans/{self.loan_id}/")[0] for _ in range(12)]
        check(statuses == [200] * 12, f"recovered by itself in {self.findings['postgres_recovery_seconds']} s: "
                                      f"12 reads in a row answer 200 (every gunicorn worker)")
        status, body, _ = self.member.call("POST", f"/api/v1/loans/{self.loan_id}/repayments/", {"amount": "70000"},
                                           key=key)
        check(status == 201, f"the same request (same key) now succeeds: {status}")
        status, again, headers = self.member.call("POST", f"/api/v1/loans/{self.loan_id}/repayments/",
                                                  {"amount": "70000"}, key=key)
        check(again["id"] == body["id"] and headers.get("idempotent-replayed") == "true", "and only once")
        check(self.count("funds_repayment", f"idempotency_key = '{key}'") == 1, "one repayment for the key")
        receipt = self.sql(f"SELECT id FROM statements_statement WHERE kind = 'receipt' "
                           f"AND repayment_id = {body['id']}")
        self.wait_statement(self.member, int(receipt))

    # --- the end -----------------------------------------------------------------------------------------------

    def final_checks(self) -> None:
        log("== at the end")
        for command in ("ledger_verify", "audit_verify"):
            out = self.s.manage(command)
            check(True, f"{command}: {out.strip().splitlines()[-1] if out.strip() else 'clean'}")
        check(self.count("core_outboxmessage", "done_at IS NULL OR outcome <> 'succeeded'") == 0,
              f"all {self.count('core_outboxmessage')} outbox messages succeeded")
        check(self.count("statements_statement", "state <> 'ready'") == 0,
              f"all {self.count('statements_statement')} statements are ready")
        web = self.s.log_text("web")
        server_errors = [line for line in web.splitlines() if '" 500 ' in line or '"status": 500' in line]
        check(not server_errors, f"no request got a 500 ({len(web.splitlines())} lines of web log)")
        check(self.s.procs["web"].poll() is None and self.s.procs["beat"].poll() is None,
              "gunicorn and beat ran throughout, never restarted")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the database (and the logs) at the end")
    parser.add_argument("--db", default="sf_e2e", help="database name (dropped and created)")
    args = parser.parse_args()

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    stack = Stack(db_name=args.db, keep=args.keep)
    started = time.monotonic()
    try:
        with stack:
            run = Run(stack)
            run.story()
            run.guarantee_story()
            run.contest_story()
            run.campaign_story()
            run.bond_story()
            run.web_login()
            run.worker_killed_mid_render()
            run.redis_away()
            run.postgres_away()
            run.final_checks()
            log(f"== e2e passed in {time.monotonic() - started:.0f} s: {json.dumps(run.findings)}")
            return 0
    except (CheckFailed, TimeoutError, RuntimeError, KeyError) as exc:
        log(f"== e2e FAILED: {type(exc).__name__}: {exc}")
        for name in ("web", "worker", "beat"):
            path = stack.workdir / f"{name}.log"
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-25:]
                print(f"--- last lines of {name}.log", *tail, sep="\n", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
