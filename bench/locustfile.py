"""Locust users for ``bench/load.py``: enterprise members, fund managers and auditors of the demo fund.

Not meant to be run by hand: ``bench/load.py`` starts the stack, signs every account in once and runs

    locust -f bench/locustfile.py --headless --host <gunicorn> ...

with ``LOAD_CONFIG`` naming a JSON file of what the users need (tokens, loan ids, the fund, today's date, the
think time, where to write the raw samples). Every request is named by its route template (``/api/v1/loans/{id}/``),
and every answer that is not 2xx is a failure carrying its status and body. Each locust user acts for one account of
its role (round robin), so several locust users share an account, as colleagues or tabs would.

The mix (weights are per task, within a role; a role's users pick tasks at random by weight, then think):

- enterprise members read their loans, schedules, repayments and statements, download statement PDFs, now and
  then repay a small amount on an active loan of their own (which also asks the worker for a receipt PDF), and
  rarely ask for a loan or enterprise statement and wait for it (polling its detail, as the web page would);
- fund managers read the fund's summary, loans, applications, repayments and enterprises, and rarely ask for the
  fund statement of the last month;
- auditors read the audit trail, the statements and the download log, download PDFs, export the journal (CSV,
  sometimes XLSX) and once in a while verify the audit chain.

Every user also opens the web pages (``web/``) of its role, signed in once through the login form (its CSRF token,
then the session cookie): members their portal and loans, managers the console's inbox, the fund's dashboard, the
loan list and pages and a schedule tab (an htmx request, the table alone), auditors the audit trail and the
statements. Pages are named by route template too (``/console/loans/{id}/``), so their percentiles stand next to
the API's.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

CONFIG: dict[str, Any] = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text()) if "LOAD_CONFIG" in os.environ else {}
THINK = tuple(CONFIG.get("think", (1.0, 3.0)))
TODAY = date.fromisoformat(CONFIG["today"]) if CONFIG else date.today()
UA = "socialfin-load/1.0 (locust)"
STATEMENT_PATIENCE = float(CONFIG.get("statement_patience", 60.0))  # seconds a user waits for a PDF
POLL_EVERY = 2.0

# --- raw samples, for exact percentiles (locust's own are rounded to 2 significant digits) ------------------------

SAMPLES: list[tuple[str, str, float, float, int, bool]] = []  # type, name, start, ms, status, ok
ERRORS: dict[tuple[str, str, int, str], int] = {}  # (type, name, status, body) -> count


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, response_length: int, response: Any = None,
            exception: Any = None, start_time: float | None = None, **_: Any) -> None:
    status = int(getattr(response, "status_code", 0) or 0) if response is not None else 0
    SAMPLES.append((request_type, name, start_time or time.time(), response_time, status, exception is None))
    if exception is not None:
        key = (request_type, name, status, str(exception)[:600])
        ERRORS[key] = ERRORS.get(key, 0) + 1


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    out = CONFIG.get("samples_file")
    if not out:
        return
    Path(out).write_text(json.dumps({
        "samples": SAMPLES,
        "errors": [{"type": t, "name": n, "status": s, "error": e, "count": c} for (t, n, s, e), c in ERRORS.items()],
    }))


# --- the accounts --------------------------------------------------------------------------------------------------

_next_account = {role: itertools.count() for role in ("member", "manager", "auditor")}


def _account(role: str) -> dict[str, Any]:
    accounts = CONFIG["accounts"][role]
    return dict(accounts[next(_next_account[role]) % len(accounts)])


class Base(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(*THINK)
    # gunicorn's sync workers answer with "Connection: close"; a slow answer is the measurement, not a failure
    network_timeout = 120.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        self.account = _account(self.role)
        self.token = self.account["access"]
        self.token_at = time.monotonic()
        self.ready_statements: list[int] = []
        self.web_login()

    # --- the web pages: one sign-in through the form, then the session cookie (the client keeps cookies) ---

    def web_login(self) -> None:
        """The login form, as a browser fills it. The cookies are carried by hand: the stack runs in production mode,
        where they are marked Secure, and a client honouring that would not send them back over plain HTTP."""
        self.web_cookies: dict[str, str] = {}
        with self.client.get("/login/", name="/login/", headers={"User-Agent": UA}, catch_response=True) as r:
            self._keep_cookies(r)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text or "")
            if r.status_code != 200 or token is None or "csrftoken" not in self.web_cookies:
                r.failure(f"HTTP {r.status_code}: no login form")
                return
            r.success()
        form = {"username": self.account["username"], "password": CONFIG["password"],
                "csrfmiddlewaretoken": token.group(1)}
        with self.client.post("/login/", name="/login/", data=form, allow_redirects=False,
                              headers={"User-Agent": UA, "Content-Type": "application/x-www-form-urlencoded",
                                       "Cookie": self._cookie_header()}, catch_response=True) as r:
            self._keep_cookies(r)
            if r.status_code != 302 or "sessionid" not in self.web_cookies:
                r.failure(f"HTTP {r.status_code}: the login form did not sign in")
            else:
                r.success()

    def _keep_cookies(self, response: Any) -> None:
        for header in response.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.web_cookies[name.strip()] = rest.split(";", 1)[0]

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.web_cookies.items())

    def page(self, url: str, name: str, htmx: bool = False) -> None:
        headers = {"User-Agent": UA, "Accept": "text/html", "Cookie": self._cookie_header()}
        if htmx:
            headers["HX-Request"] = "true"
        with self.client.get(url, name=name, headers=headers, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200 or "text/html" not in r.headers.get("Content-Type", ""):
                r.failure(f"HTTP {r.status_code}: {_body(r)}")
            else:
                r.success()

    # --- requests ---

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        if time.monotonic() - self.token_at > 600:  # access tokens live 15 minutes: renew after 10
            with self.client.post("/api/v1/auth/token/refresh/", json={"refresh": self.account["refresh"]},
                                  name="/api/v1/auth/token/refresh/", catch_response=True) as r:
                if r.status_code == 200:
                    self.token = r.json()["access"]
                    self.token_at = time.monotonic()
                else:
                    r.failure(f"HTTP {r.status_code}: {r.text[:400]}")
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": UA}
        headers.update(extra or {})
        return headers

    def get(self, url: str, name: str) -> Any:
        with self.client.get(url, name=name, headers=self._headers(), catch_response=True) as r:
            if not 200 <= r.status_code < 300:
                r.failure(f"HTTP {r.status_code}: {_body(r)}")
                return None
            r.success()
            if r.headers.get("Content-Type", "").startswith("application/json"):
                return r.json()
            return r.content

    def post(self, url: str, name: str, body: dict[str, Any], extra: dict[str, str] | None = None) -> Any:
        with self.client.post(url, name=name, json=body, headers=self._headers(extra), catch_response=True) as r:
            if not 200 <= r.status_code < 300:
                r.failure(f"HTTP {r.status_code}: {_body(r)}")
                return None
            r.success()
            return r.json()

    # --- shared tasks ---

    def list_statements(self) -> None:
        page = self.get("/api/v1/statements/", "/api/v1/statements/")
        if page:
            self.ready_statements = [s["id"] for s in page["results"] if s["state"] == "ready"]

    def download_statement(self) -> None:
        if not self.ready_statements:
            self.list_statements()
            return
        sid = random.choice(self.ready_statements)
        self.get(f"/api/v1/statements/{sid}/pdf/", "/api/v1/statements/{id}/pdf/")

    def ask_for_statement(self, kind: str, subject: int, start: date, end: date) -> None:
        """POST the request (202), then poll its detail as the web page does until it is ready, and download it.
        The wait is recorded as a request of type WAIT named by the kind (failed if it outlasts the patience)."""
        body = {"kind": kind, "subject": subject, "period_start": start.isoformat(), "period_end": end.isoformat()}
        asked = time.time()
        statement = self.post("/api/v1/statements/", "/api/v1/statements/", body)
        if not statement:
            return
        sid, state = statement["id"], statement["state"]
        while state == "pending" and time.time() - asked < STATEMENT_PATIENCE:
            time.sleep(POLL_EVERY)
            detail = self.get(f"/api/v1/statements/{sid}/", "/api/v1/statements/{id}/")
            if detail is None:
                return
            state = detail["state"]
        waited_ms = (time.time() - asked) * 1000
        error = None if state == "ready" else RuntimeError(f"statement {sid} {state} after {waited_ms / 1000:.0f} s")
        events.request.fire(request_type="WAIT", name=f"statement ready: {kind}", response_time=waited_ms,
                            response_length=0, response=None, exception=error, context={}, start_time=asked)
        if state == "ready":
            self.get(f"/api/v1/statements/{sid}/pdf/", "/api/v1/statements/{id}/pdf/")


def _body(r: Any) -> str:
    try:
        text = r.text or ""
    except Exception:  # noqa: BLE001 - a body that does not decode is still an error to report
        text = repr(r.content[:300])
    return " ".join(text.split())[:400]


class EnterpriseMember(Base):
    """A member of a borrowing enterprise (coop.member, village.member and the other borrowers' representatives)."""

    weight = int(CONFIG.get("weights", {}).get("member", 6))
    role = "member"

    def on_start(self) -> None:
        super().on_start()
        self.loans = self.account["loans"]  # [{"id", "repayable"}]
        self.repayable = [loan["id"] for loan in self.loans if loan["repayable"]]
        # Never more than the payoff: each locust user may repay at most its share of it (load.py works it out).
        self.repay_budget = dict(self.account.get("repay_budget", {}))

    def _loan(self) -> int | None:
        return random.choice(self.loans)["id"] if self.loans else None

    @task(8)
    def me(self) -> None:
        self.get("/api/v1/me/", "/api/v1/me/")

    @task(14)
    def loans_list(self) -> None:
        self.get("/api/v1/loans/", "/api/v1/loans/")

    @task(14)
    def loan_detail(self) -> None:
        if (loan := self._loan()) is not None:
            self.get(f"/api/v1/loans/{loan}/", "/api/v1/loans/{id}/")

    @task(12)
    def schedule(self) -> None:
        if (loan := self._loan()) is not None:
            self.get(f"/api/v1/loans/{loan}/schedule/", "/api/v1/loans/{id}/schedule/")

    @task(6)
    def loan_repayments(self) -> None:
        if (loan := self._loan()) is not None:
            self.get(f"/api/v1/loans/{loan}/repayments/", "/api/v1/loans/{id}/repayments/")

    @task(6)
    def repayments(self) -> None:
        self.get("/api/v1/repayments/", "/api/v1/repayments/")

    @task(6)
    def payoff(self) -> None:
        """What pays an active loan off today (a loan paid off, written off or not yet disbursed has none: 409)."""
        if self.repayable:
            loan = random.choice(self.repayable)
            self.get(f"/api/v1/loans/{loan}/payoff/", "/api/v1/loans/{id}/payoff/")
        else:
            self.loan_detail()

    @task(4)
    def applications(self) -> None:
        self.get("/api/v1/loan-applications/", "/api/v1/loan-applications/")

    @task(12)
    def statements(self) -> None:
        self.list_statements()

    @task(8)
    def statement_pdf(self) -> None:
        self.download_statement()

    @task(6)
    def repay(self) -> None:
        loans = [loan for loan in self.repayable if self.repay_budget.get(str(loan), 0) > 0]
        if not loans:  # nothing of its own to repay (paid off, written off, not disbursed): look at the loan
            self.loan_detail()
            return
        loan = random.choice(loans)
        self.repay_budget[str(loan)] -= 1
        self.post(f"/api/v1/loans/{loan}/repayments/", "/api/v1/loans/{id}/repayments/",
                  {"amount": CONFIG["repay_amount"]}, {"Idempotency-Key": f"load-{uuid.uuid4()}"})

    @task(6)
    def portal_page(self) -> None:
        self.page("/my/", "/my/")

    @task(8)
    def my_loan_page(self) -> None:
        if (loan := self._loan()) is not None:
            self.page(f"/my/loans/{loan}/", "/my/loans/{id}/")

    @task(4)
    def my_schedule_tab(self) -> None:
        if (loan := self._loan()) is not None:
            self.page(f"/my/loans/{loan}/schedule/", "/my/loans/{id}/schedule/ (htmx)", htmx=True)

    @task(4)
    def ask_statement(self) -> None:
        disbursed = [loan["id"] for loan in self.loans if loan["disbursed"]]
        if disbursed and random.random() < 0.75:
            self.ask_for_statement("loan", random.choice(disbursed), TODAY.replace(month=1, day=1), TODAY)
        else:
            self.ask_for_statement("enterprise", random.choice(self.account["enterprises"]),
                                   TODAY.replace(month=1, day=1), TODAY)


class FundManager(Base):
    """manager.kim and manager.lee: the fund's summary, its loans and applications."""

    weight = int(CONFIG.get("weights", {}).get("manager", 3))
    role = "manager"

    def _loan(self) -> int:
        return int(random.choice(CONFIG["all_loans"]))

    @task(8)
    def funds(self) -> None:
        self.get("/api/v1/funds/", "/api/v1/funds/")

    @task(20)
    def fund_summary(self) -> None:
        self.get(f"/api/v1/funds/{CONFIG['fund']}/", "/api/v1/funds/{id}/")

    @task(10)
    def applications(self) -> None:
        self.get("/api/v1/loan-applications/", "/api/v1/loan-applications/")

    @task(16)
    def loans_list(self) -> None:
        self.get("/api/v1/loans/", "/api/v1/loans/")

    @task(12)
    def loan_detail(self) -> None:
        self.get(f"/api/v1/loans/{self._loan()}/", "/api/v1/loans/{id}/")

    @task(5)
    def schedule(self) -> None:
        self.get(f"/api/v1/loans/{self._loan()}/schedule/", "/api/v1/loans/{id}/schedule/")

    @task(8)
    def transactions(self) -> None:
        self.get(f"/api/v1/loans/{self._loan()}/transactions/", "/api/v1/loans/{id}/transactions/")

    @task(10)
    def repayments(self) -> None:
        self.get("/api/v1/repayments/", "/api/v1/repayments/")

    @task(6)
    def enterprises(self) -> None:
        self.get("/api/v1/enterprises/", "/api/v1/enterprises/")

    @task(3)
    def audit_events(self) -> None:
        self.get("/api/v1/audit-events/", "/api/v1/audit-events/")

    @task(8)
    def console_page(self) -> None:
        self.page("/console/", "/console/")

    @task(8)
    def fund_page(self) -> None:
        self.page(f"/console/funds/{CONFIG['fund']}/", "/console/funds/{id}/")

    @task(8)
    def loans_page(self) -> None:
        self.page("/console/loans/", "/console/loans/")

    @task(8)
    def loan_page(self) -> None:
        self.page(f"/console/loans/{self._loan()}/", "/console/loans/{id}/")

    @task(4)
    def schedule_tab(self) -> None:
        self.page(f"/console/loans/{self._loan()}/schedule/", "/console/loans/{id}/schedule/ (htmx)", htmx=True)

    @task(4)
    def applications_page(self) -> None:
        self.page("/console/applications/", "/console/applications/")

    @task(1)
    def fund_statement(self) -> None:
        last_month_end = TODAY.replace(day=1) - timedelta(days=1)
        self.ask_for_statement("fund", CONFIG["fund"], last_month_end.replace(day=1), last_month_end)


class Auditor(Base):
    """auditor.park: the audit trail, statements and their download log, journal exports."""

    weight = int(CONFIG.get("weights", {}).get("auditor", 1))
    role = "auditor"

    @task(18)
    def audit_events(self) -> None:
        self.get("/api/v1/audit-events/", "/api/v1/audit-events/")

    @task(7)
    def audit_events_page2(self) -> None:
        self.get("/api/v1/audit-events/?page=2", "/api/v1/audit-events/?page=2")

    @task(20)
    def statements(self) -> None:
        self.list_statements()

    @task(15)
    def downloads(self) -> None:
        self.get("/api/v1/statement-downloads/", "/api/v1/statement-downloads/")

    @task(15)
    def statement_pdf(self) -> None:
        self.download_statement()

    @task(8)
    def fund_summary(self) -> None:
        self.get(f"/api/v1/funds/{CONFIG['fund']}/", "/api/v1/funds/{id}/")

    @task(4)
    def repayments(self) -> None:
        self.get("/api/v1/repayments/", "/api/v1/repayments/")

    @task(8)
    def export_csv(self) -> None:
        start = TODAY.replace(month=1, day=1).isoformat()
        self.get(f"/api/v1/funds/{CONFIG['fund']}/journal-export/?start={start}&end={TODAY.isoformat()}&file=csv",
                 "/api/v1/funds/{id}/journal-export/?file=csv")

    @task(3)
    def export_xlsx(self) -> None:
        start = TODAY.replace(month=1, day=1).isoformat()
        self.get(f"/api/v1/funds/{CONFIG['fund']}/journal-export/?start={start}&end={TODAY.isoformat()}&file=xlsx",
                 "/api/v1/funds/{id}/journal-export/?file=xlsx")

    @task(2)
    def audit_verify(self) -> None:
        self.get("/api/v1/audit-events/verify/", "/api/v1/audit-events/verify/")

    @task(10)
    def audit_page(self) -> None:
        self.page("/console/audit/", "/console/audit/")

    @task(8)
    def statements_page(self) -> None:
        self.page("/console/statements/", "/console/statements/")
