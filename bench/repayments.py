"""Benchmark: repayments over HTTP (gunicorn + PostgreSQL), against pgbench's TPC-B on the same server.

    .venv/bin/python bench/repayments.py                      # 20 000 loans, 16 clients, 60 s, pgbench 30 s
    .venv/bin/python bench/repayments.py --mode get           # the harness alone: GET /api/v1/loans/{id}/

1. Drops and creates the database ``sf_bench_http`` (``--db-url``), migrates it, builds a fund of ``--loans``
   active loans closed through yesterday (bench/portfolio.py) and a fund manager with a password.
2. Starts ``gunicorn config.wsgi -w <2 x cores> -b 127.0.0.1:<port>`` with DEBUG off (DJANGO_MODE stays
   development: production refuses to start without a SECRET_KEY and redirects to HTTPS).
3. Gets a JWT from ``POST /api/v1/auth/token/``; 16 client threads (http.client, standard library) each repay
   their own loans, one request per loan: ``POST /api/v1/loans/{id}/repayments/`` with
   ``{"amount": "100000", "value_date": today}``, ``Authorization: Bearer ...`` and a unique ``Idempotency-Key``;
   a warm-up of ``--warmup`` seconds, then ``--seconds`` measured. Throughput counts 2xx only; every non-2xx is
   reported by status with a sample body.
4. Checks the database: one Repayment per 2xx, ``ledger_verify`` clean.
5. ``--profile-one``: a few repayments in-process through Django's test client, with every query captured
   (count, time by statement) and cProfile, by kind of loan (nothing due / installment due today / past due).
6. pgbench: ``pgbench -i -s 10`` into ``sf_bench_pgbench``, then ``pgbench -c 16 -j 2 -T 30``; prints the ratio
   repayments/s / pgbench tps.

``--smoke`` (CI, ``make bench-smoke``): 160 loans from 6 templates, 2 gunicorn workers, 2 clients for 3 s, no
pgbench, in a throwaway database of its own, nothing appended anywhere, no target judged. It fails on any answer that
is not 2xx, on no repayment at all, on a 2xx without its repayment row, and on ``ledger_verify``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import portfolio  # noqa: E402
from instrument import MachineWatch, code_fingerprint, wait_for_quiet  # noqa: E402

ROOT = portfolio.ROOT
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sf_bench_http"
PGBENCH_DB = "sf_bench_pgbench"
PASSWORD = "bench-password-not-secret-7f3c"
TARGET_RATIO = 0.25
TARGET_P99_MS = 100
SMOKE = {"loans": 160, "template_days": 3, "clients": 2, "seconds": 3, "warmup": 1, "workers": 2,
         "no_pgbench": True, "profile_one": False, "reuse": False, "keep": False, "wait_quiet": 0}
log = portfolio._log


# --- the load --------------------------------------------------------------------------------------------------


class Client(threading.Thread):
    def __init__(self, *, port: int, token: str, loans: list[int], mode: str, amount: str, value_date: str | None,
                 start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.mode, self.amount, self.value_date = port, token, mode, amount, value_date
        self.loans = iter(loans)
        self.start_barrier = start
        self.deadline = 0.0
        self.samples: list[tuple[float, float, int | str]] = []  # start, seconds, status
        self.bodies: dict[int | str, str] = {}
        self.exhausted = False

    def run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        self.start_barrier.wait()
        while time.perf_counter() < self.deadline:
            loan_id = next(self.loans, None)
            if loan_id is None:
                self.exhausted = True
                break
            headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
            if self.mode == "repay":
                method, path = "POST", f"/api/v1/loans/{loan_id}/repayments/"
                payload = {"amount": self.amount}
                if self.value_date:
                    payload["value_date"] = self.value_date
                body: bytes | None = json.dumps(payload).encode()
                headers |= {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
            else:
                method, path, body = "GET", f"/api/v1/loans/{loan_id}/", None
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status: int | str = response.status
                if response.will_close:  # gunicorn's sync workers close after each response
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                status, data = f"error {type(exc).__name__}", str(exc).encode()
                if conn is not None:
                    conn.close()
                conn = None
            self.samples.append((started, time.perf_counter() - started, status))
            if not (isinstance(status, int) and 200 <= status < 300) and status not in self.bodies:
                self.bodies[status] = data[:500].decode(errors="replace")
        if conn is not None:
            conn.close()


def run_load(*, port: int, token: str, slices: list[list[int]], mode: str, amount: str, value_date: str | None,
             seconds: float) -> dict:
    barrier = threading.Barrier(len(slices) + 1)
    clients = [Client(port=port, token=token, loans=s, mode=mode, amount=amount, value_date=value_date,
                      start=barrier) for s in slices]
    for c in clients:
        c.start()
    watch = MachineWatch()
    watch.start()
    began = time.perf_counter()
    for c in clients:
        c.deadline = began + seconds
    barrier.wait()
    for c in clients:
        c.join()
    elapsed = time.perf_counter() - began
    load = watch.stop()
    samples = [s for c in clients for s in c.samples]
    ok = [s for s in samples if isinstance(s[2], int) and 200 <= s[2] < 300]
    statuses = Counter(str(s[2]) for s in samples)
    bodies = {str(k): v for c in clients for k, v in c.bodies.items()}
    lat = sorted(1000 * s[1] for s in ok) or [0.0]
    lat_all = sorted(1000 * s[1] for s in samples) or [0.0]

    def pct(values: list[float], p: float) -> float:
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 1)

    return {
        "mode": mode, "clients": len(slices), "seconds": round(elapsed, 2), "requests": len(samples),
        "ok": len(ok), "non_2xx": len(samples) - len(ok), "statuses": dict(statuses), "non_2xx_bodies": bodies,
        "ok_per_second": round(len(ok) / elapsed, 1),
        "latency_ms_ok": {"p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99), "max": round(lat[-1], 1),
                          "mean": round(statistics.fmean(lat), 1)},
        "latency_ms_all": {"p50": pct(lat_all, 50), "p99": pct(lat_all, 99)},
        "clients_out_of_loans": sum(c.exhausted for c in clients),
        "cpu": load,
    }


class ActivitySampler(threading.Thread):
    """Every 50 ms, what the server's database sessions are doing (pg_stat_activity): running, waiting for a row
    lock held by another transaction (Lock), flushing WAL at commit (IO/LWLock WAL*), or idle between statements
    while the Python worker computes (idle in transaction)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.name_ = url, portfolio.db_name(url)
        self.stop_event = threading.Event()
        self.samples = 0
        self.states: Counter = Counter()
        self.blocked_on: Counter = Counter()  # statement a session waits in for a row lock, by table

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop_event.wait(0.05):
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                    [self.name_]).fetchall()
                self.samples += 1
                for state, wtype, wevent, query in rows:
                    if state == "active" and wtype:
                        key = f"active, waiting {wtype}:{wevent}"
                        if wtype == "Lock":
                            table = re.search(r'(?:FROM|UPDATE|INTO)\s+"(\w+)"', query or "")
                            self.blocked_on[f"{query.split()[0] if query else '?'} "
                                            f"{table.group(1) if table else '?'}"] += 1
                    elif state == "active":
                        key = "active (running a statement)"
                    else:
                        key = state or "?"
                    self.states[key] += 1

    def result(self) -> dict[str, float]:
        """Average number of sessions in each state."""
        return {k: round(v / max(self.samples, 1), 2) for k, v in self.states.most_common()}

    def blocked(self) -> dict[str, float]:
        """Average number of sessions waiting for a row lock, by the statement they wait in."""
        return {k: round(v / max(self.samples, 1), 2) for k, v in self.blocked_on.most_common()}


# --- the server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args: argparse.Namespace, url: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", DJANGO_MODE="development", LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("SECRET_KEY", None)
    if args.conn_max_age is not None:
        env["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
           "--chdir", str(ROOT), "--timeout", "120"]
    if args.threads > 1:
        cmd += ["--threads", str(args.threads)]
    log("starting " + " ".join(cmd[1:]))
    logfile = open(f"/tmp/sf_bench_gunicorn_{port}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {logfile.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get_token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/auth/token/", body=json.dumps({"username": "bench-manager", "password": PASSWORD}),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"token: {response.status} {body}")
    return body["access"]


# --- one request, profiled -------------------------------------------------------------------------------------


def profile_one(token: str, kinds: dict[str, list[int]], value_date: str, amount: str) -> dict:
    """Repayments in-process through Django's test client (the whole middleware and DRF stack, no HTTP server),
    every query captured."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext
    from instrument import measured

    client = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {token}")

    def repay(loan_id: int) -> tuple[int, float, int, object]:
        with CaptureQueriesContext(connection) as ctx, measured(connection) as stats:
            started = time.perf_counter()
            response = client.post(f"/api/v1/loans/{loan_id}/repayments/",
                                   data={"amount": amount, "value_date": value_date},
                                   content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
            seconds = time.perf_counter() - started
        return response.status_code, seconds, len(ctx.captured_queries), stats

    out: dict = {}
    repay(kinds["nothing due"].pop())  # warm: imports, first connection
    for kind, loan_ids in kinds.items():
        rows = [repay(loan_id) for loan_id in loan_ids[:5]]
        stats = rows[-1][3]
        out[kind] = {"statuses": [r[0] for r in rows], "ms": [round(1000 * r[1], 1) for r in rows],
                     "queries": [r[2] for r in rows], "commits": stats.commits,
                     "sql_ms": round(1000 * stats.query_seconds, 1), "commit_ms": round(1000 * stats.commit_seconds, 1)}
        print(f"\n  one repayment, {kind}: {out[kind]['ms']} ms, {out[kind]['queries']} queries, statuses "
              f"{out[kind]['statuses']}; last one: SQL {out[kind]['sql_ms']} ms, {stats.commits} commits "
              f"{out[kind]['commit_ms']} ms")
        print(stats.table(30))
    profiler = cProfile.Profile()
    loan_ids = kinds["nothing due"][5:25]
    profiler.enable()
    for loan_id in loan_ids:
        repay(loan_id)
    profiler.disable()
    text = io.StringIO()
    ps = pstats.Stats(profiler, stream=text)
    ps.sort_stats("cumulative").print_stats(45)
    ps.sort_stats("tottime").print_stats(20)
    print(f"\n  cProfile of {len(loan_ids)} repayments (nothing due: accrued interest + prepayment):")
    print(text.getvalue())
    return out


# --- pgbench ---------------------------------------------------------------------------------------------------


def pgbench(url: str, *, clients: int, threads: int, seconds: int, scale: int,
            quiet_timeout: float = 1800) -> dict:
    exe = shutil.which("pgbench") or "/usr/bin/pgbench"
    parts = urlsplit(url)
    conn = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    target = parts._replace(path=f"/{PGBENCH_DB}").geturl()
    portfolio.recreate_database(target)
    log(f"pgbench -i -s {scale} {PGBENCH_DB}")
    subprocess.run([exe, "-i", "-s", str(scale), "-q", *conn, PGBENCH_DB], check=True, capture_output=True)
    if quiet_timeout:
        wait_for_quiet(log=log, timeout=quiet_timeout)
    cmd = [exe, "-c", str(clients), "-j", str(threads), "-T", str(seconds), *conn, PGBENCH_DB]
    log(" ".join(["pgbench", *cmd[1:]]))
    watch = MachineWatch()
    watch.start()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    load = watch.stop()
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", proc.stdout).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", proc.stdout)
    portfolio.drop_database(target)
    return {"command": " ".join(["pgbench", *cmd[1:]]), "tps": tps,
            "latency_avg_ms": float(latency.group(1)) if latency else None, "cpu": load,
            "output": proc.stdout.strip().splitlines()[-6:]}


# --- main ------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_HTTP_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--loans", type=int, default=20_000, help="active loans in the fund (>= 16 x loans per client)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--mode", choices=["repay", "get"], default="repay")
    parser.add_argument("--amount", default="100000", help="won per repayment")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads (1: sync workers)")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="DB_CONN_MAX_AGE for the server (default: the app's default, 0 = a connection per "
                             "request)")
    parser.add_argument("--profile-one", action="store_true", help="profile single repayments in-process too")
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the database of a previous --keep run instead of building it again "
                             "(its loans not yet repaid are used)")
    parser.add_argument("--keep", action="store_true", help="keep sf_bench_http afterwards")
    parser.add_argument("--wait-quiet", type=float, default=300, metavar="SECONDS",
                        help="before measuring, wait up to this long for the CPU to be idle (0: don't wait)")
    parser.add_argument("--template-days", type=int, default=portfolio.TEMPLATE_DAYS, help=argparse.SUPPRESS)
    parser.add_argument("--json", help="append the RESULT to this file (JSON lines)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = parser.parse_args()
    if args.smoke:
        if args.json:
            parser.error("--smoke runs are not results: no --json")
        for name, value in SMOKE.items():
            setattr(args, name, value)
        args.db_url = portfolio.smoke_url(args.db_url)
        try:
            run(args)
        finally:
            portfolio.drop_database(args.db_url)
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    url = args.db_url
    if not portfolio.db_name(url).startswith("sf_bench"):
        raise SystemExit("the database must be named sf_bench*")

    if not args.reuse:
        log(f"recreating {portfolio.db_name(url)}")
        portfolio.recreate_database(url)
    portfolio.django_setup(url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from enterprises.models import User
    from funds.models import Installment, Loan, Repayment

    today = timezone.localdate()
    if not args.reuse:
        portfolio.migrate()
        book = portfolio.build(loans=args.loans, first_open_day=today, manager_password=PASSWORD,
                               template_days=args.template_days)
        setup = book.setup_seconds
    else:
        setup = {}
        user = User.objects.get(username="bench-manager")
        user.set_password(PASSWORD)
        user.save()
    facts = portfolio.portfolio_facts(today)
    log(f"portfolio: {facts}")

    repaid = set(Repayment.objects.values_list("loan_id", flat=True))
    # In a said order before the seeded shuffle, so a run picks the same loans each time.
    active = [pk for pk in Loan.objects.filter(state=Loan.State.ACTIVE).order_by("-id").values_list("pk", flat=True)
              if pk not in repaid]
    due_today = set(Installment.objects.filter(due_on=today).values_list("loan_id", flat=True))
    late = set(Loan.objects.filter(days_past_due__gt=0).values_list("pk", flat=True))
    random.Random(7).shuffle(active)
    aside = 0 if args.smoke else 1  # a smoke run has too few loans to keep any aside for --profile-one
    reserve = {"nothing due": [pk for pk in active if pk not in due_today and pk not in late][:40 * aside],
               "installment due today": [pk for pk in active if pk in due_today and pk not in late][:6 * aside],
               "past due": [pk for pk in active if pk in late][:6 * aside]}
    reserved = {pk for ids in reserve.values() for pk in ids}
    pool = [pk for pk in active if pk not in reserved]
    slices = [pool[i::args.clients] for i in range(args.clients)]
    value_date = today.isoformat() if args.mode == "repay" else None

    port = free_port()
    server = start_gunicorn(args, url, port)
    try:
        token = get_token(port)
        if args.warmup:
            log(f"warm-up {args.warmup:.0f} s")
            run_load(port=port, token=token, slices=slices, mode=args.mode, amount=args.amount,
                     value_date=value_date, seconds=args.warmup)
            used = set(Repayment.objects.values_list("loan_id", flat=True))
            slices = [[pk for pk in s if pk not in used] for s in slices]
        quiet = wait_for_quiet(timeout=args.wait_quiet, log=log) if args.wait_quiet else None
        before = Repayment.objects.count()
        log(f"measuring {args.seconds:.0f} s: {args.clients} clients, {args.mode}, {len(pool)} loans available")
        sampler = ActivitySampler(url)
        sampler.start()
        load = run_load(port=port, token=token, slices=slices, mode=args.mode, amount=args.amount,
                        value_date=value_date, seconds=args.seconds)
        sampler.stop_event.set()
        sampler.join()
        load["db_sessions"] = sampler.result()
        load["db_sessions_waiting_for_a_row_lock_in"] = sampler.blocked()
    finally:
        stop_gunicorn(server)
    written = Repayment.objects.count() - before
    if args.mode == "repay" and written != load["ok"]:
        print(f"WARNING: {load['ok']} responses 2xx but {written} repayments written")
    if args.smoke:
        failures = [what for what, bad in (
            (f"{load['non_2xx']} answers not 2xx: {load['non_2xx_bodies']}", load["non_2xx"]),
            ("no request answered 2xx", not load["ok"]),
            (f"{load['ok']} answers 2xx but {written} repayments written",
             args.mode == "repay" and written != load["ok"]),
        ) if bad]
        if failures:
            raise SystemExit("smoke: " + "; ".join(failures))

    profile = profile_one(token, reserve, today.isoformat(), args.amount) if args.profile_one else None

    from io import StringIO

    out = StringIO()
    call_command("ledger_verify", stdout=out, stderr=out)
    verify = out.getvalue().strip()
    facts_machine = portfolio.machine_facts()
    connection.close()
    if not args.keep:
        portfolio.drop_database(url)

    bench = None if args.no_pgbench else pgbench(url, clients=16, threads=2, seconds=args.pgbench_seconds, scale=10,
                                                         quiet_timeout=args.wait_quiet)
    ratio = round(load["ok_per_second"] / bench["tps"], 3) if bench else None
    result = {
        "date": date.today().isoformat(), "loans": args.loans, "mode": args.mode, "amount": args.amount,
        "server": {"workers": args.workers, "threads": args.threads, "conn_max_age": args.conn_max_age,
                   "debug": False},
        "load": load, "repayments_written": written, "ledger_verify": verify, "portfolio": facts,
        "setup_seconds": {k: round(v, 1) for k, v in setup.items()}, "quiet_before": quiet, "pgbench": bench,
        "ratio": ratio, "profile_one": profile, "machine": facts_machine, "code": code_fingerprint(),
    }
    lat = load["latency_ms_ok"]
    print(f"\n{args.mode}: {load['ok']} ok / {load['requests']} requests in {load['seconds']} s = "
          f"{load['ok_per_second']} ok/s; latency p50 {lat['p50']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms, "
          f"max {lat['max']} ms")
    print(f"  statuses {load['statuses']}; non-2xx {load['non_2xx']}")
    for status, body in load["non_2xx_bodies"].items():
        print(f"    {status}: {body[:300]}")
    print(f"  CPU during the run (cores of {load['cpu']['cores']}): benchmark {load['cpu']['benchmark_cores']}, "
          f"PostgreSQL background {load['cpu']['postgres_background_cores']}, OTHER processes "
          f"{load['cpu']['other_cores']}, unattributed {load['cpu']['unattributed_cores']}")
    print(f"  database sessions of the server, on average: {load['db_sessions']}")
    print(f"  of which waiting for a row lock, by statement: {load['db_sessions_waiting_for_a_row_lock_in']}")
    print(f"  {verify}")
    if bench:
        print(f"pgbench TPC-B: {bench['tps']:.0f} tps (latency avg {bench['latency_avg_ms']} ms); CPU: pgbench + "
              f"its backends {bench['cpu']['benchmark_cores']} cores, OTHER processes {bench['cpu']['other_cores']}, "
              f"unattributed {bench['cpu']['unattributed_cores']}")
        print(f"ratio {args.mode} ok/s / pgbench tps = {ratio} (target >= {TARGET_RATIO}); p99 {lat['p99']} ms "
              f"(target <= {TARGET_P99_MS} ms)")
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
