"""The final hour of a contest under load: backers pledging, one hot campaign against the same load spread evenly.

    .venv/bin/python bench/final_hour.py --json bench/results/final_hour.jsonl | tee bench/results/final_hour.log
    .venv/bin/python bench/final_hour.py --seconds 120 --users 200              # a shorter run, nothing written
    .venv/bin/python bench/final_hour.py --smoke                               # CI (bench/smoke.py)

Needs locust (``pip install -e '.[bench]'``).

1. Waits (up to ``--quiet-timeout`` s) for a nearly idle machine, then starts ``deploy/e2e/stack.py``'s ``Stack`` on
   the database ``sf_final_hour`` (the demo's people only): gunicorn in production mode (``--web-workers`` sync
   workers), a Celery worker and beat, Redis, and the payment provider's stand-in; the processes reach PostgreSQL
   and Redis directly (``load.past_the_proxies``).
2. Builds, through the services (``bench/final_hour_world.py``, in ``manage.py shell``), three contests in their
   funding phase: HOT and EVEN alike (``--campaigns`` live all-or-nothing campaigns; a reward of ``--stock`` on the
   hot one, at the smallest pledge; one pledge-matching pool, factor 1 up to the smallest pledge, with two funders
   holding ``--pool`` won, feeding all its campaigns), and COST (one campaign, a pool that lasts); and ``--users``
   backers who signed up and verified their email. Signs every backer in once (``POST /api/v1/auth/token/``).
3. A pledge's cost next to a plain authenticated GET: one client, one backer, ``--cost-pairs`` rounds of a pledge to
   the COST campaign, ``GET /api/v1/me/`` and ``GET /api/v1/campaigns/{id}/``, interleaved (the order turning each
   round), each timed from the client (wall time over loopback; the card registered at the provider before each
   pledge is not timed). Medians and the ratio pledge / ``/me/`` (target <= 3).
4. Two runs, each of ``--seconds`` with ``--users`` locust backers (``bench/final_hour_locustfile.py``): HOT, where
   ``--hot-share`` of the pledges go to the HOT contest's hot campaign and the rest evenly to its others, then EVEN,
   where they go evenly to all the EVEN contest's campaigns. The access tokens are refreshed before each run.
5. After each run: the checks of ``final_hour_world.check_world`` on its contest (the pool never negative and its
   matches equal to what it gave in the ledger, no reward oversold and claimed = the live pledges holding it, each
   campaign's pledged, backers and matched equal to its live pledges, held matches and matched account),
   ``ledger_verify``, ``audit_verify``, no error line in the logs, the pledges answered 201 against the database.
6. Reports per run: pledges/s (201s over the run's seconds), p50/p95/p99/max of the pledge POST, the provider's
   checkout apart, every error by status and body (the expected 409 "sold out" counted apart), the pool's and the
   reward's end, CPU by group and the load average; and the throughput ratio (README: HOT's pledges/s over EVEN's,
   target >= 0.8). A table on stdout and a JSON line appended to ``--json``. Exits non-zero when a check fails,
   a request failed (other than "sold out"), or no pledge was made. Targets are reported, not asserted.

``--smoke``: 10 users for 10 s a run, 4 campaigns, a stock of 5 and a pool of 12 matches, 10 cost rounds, on a
throwaway database (``<--db-name>_smoke_<pid>``), no waiting for a quiet machine, nothing written, no target judged;
the checks of 5 all hold.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import load  # noqa: E402
from instrument import code_fingerprint, wait_for_quiet  # noqa: E402

e2e = load.e2e
log = e2e.log
CARD_OK = "4330123400000017"
# How the locust users name their requests (handed to them in their config)
PLEDGE = "/api/v1/campaigns/{id}/pledges/"
HOT_PLEDGE = "/api/v1/campaigns/{hot}/pledges/"
CHECKOUT = "provider: POST /v1/test/checkout"
SMOKE = {"seconds": 10, "users": 10, "spawn_rate": 10.0, "think": "0.2,0.6", "campaigns": 4, "stock": 5,
         "pool": "80000,40000", "cost_pairs": 10, "web_workers": 2, "worker_concurrency": 1, "keep": False}
TARGET_RATIO = 0.8
TARGET_COST = 3.0
CODE_FILES = ("crowdfunding/services/pledges.py", "crowdfunding/services/matching.py", "crowdfunding/locks.py",
              "api/crowdfunding/pledges.py", "ledger/services.py", "core/audit.py", "core/db.py")


# --- the worlds, in the stack's Django -----------------------------------------------------------------------------


def world(s: e2e.Stack, request: dict[str, Any]) -> Any:
    """``final_hour_world.run(request)`` in ``manage.py shell`` with the stack's settings; its answer."""
    code = ("import sys; sys.path.insert(0, 'bench'); import final_hour_world; "
            f"final_hour_world.run({json.dumps(request)!r})")
    out = s.manage("shell", "-c", code)
    line = next((line for line in out.splitlines() if line.startswith("WORLD ")), None)
    if line is None:
        raise RuntimeError(f"no answer from final_hour_world: {out[-2000:]}")
    return json.loads(line[len("WORLD "):])


def sign_in(s: e2e.Stack, backers: list[dict[str, Any]], password: str) -> list[dict[str, Any]]:
    """Every backer signs in once (a few at a time: each sign-in is a password hash on the server)."""
    def one(backer: dict[str, Any]) -> dict[str, Any]:
        pair = load.call(s.base, "POST", "/api/v1/auth/token/",
                         body={"username": backer["username"], "password": password})
        return {**backer, "access": pair["access"], "refresh": pair["refresh"], "token_at": time.time()}

    with ThreadPoolExecutor(max_workers=s.web_workers) as pool:
        return list(pool.map(one, backers))


def refresh(s: e2e.Stack, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fresh access tokens (they live 15 minutes) for a run."""
    def one(account: dict[str, Any]) -> dict[str, Any]:
        pair = load.call(s.base, "POST", "/api/v1/auth/token/refresh/", body={"refresh": account["refresh"]})
        return {**account, "access": pair["access"], "refresh": pair.get("refresh", account["refresh"]),
                "token_at": time.time()}

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, accounts))


# --- a pledge's cost next to a plain GET ---------------------------------------------------------------------------


def http(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
         ) -> tuple[int, Any, float]:
    """Status, JSON body and milliseconds of one request (a new connection, as gunicorn's sync workers close it)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "User-Agent": "socialfin-final-hour/1.0 (cost)", **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            raw, status = r.read(), r.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    ms = (time.perf_counter() - started) * 1000
    try:
        return status, json.loads(raw or b"{}"), ms
    except ValueError:
        return status, raw[:300].decode(errors="replace"), ms


def register_card(s: e2e.Stack, customer_key: str) -> str:
    """The provider's billing checkout without a browser: an auth key."""
    auth = "Basic " + base64.b64encode(f"{s.payments_client_key}:".encode()).decode()
    status, body, _ms = http(s.provider_url + "/v1/test/checkout", "POST", {
        "mode": "billing", "customerKey": customer_key, "cardNumber": CARD_OK, "cardExpiry": "12/39",
        "birthDate": "900101"}, {"Authorization": auth})
    if status != 200:
        raise RuntimeError(f"provider checkout: {status} {body}")
    return str(body["authKey"])


def side_by_side(s: e2e.Stack, campaign: int, amount: int, account: dict[str, Any], rounds: int) -> dict[str, Any]:
    """``rounds`` of (a pledge, ``GET /api/v1/me/``, ``GET /api/v1/campaigns/{id}/``), the order turning each round,
    all from one client with one backer's token; client wall times in ms."""
    bearer = {"Authorization": f"Bearer {account['access']}"}
    times: dict[str, list[float]] = {"pledge": [], "me": [], "campaign": []}
    errors: list[str] = []

    def pledge() -> None:
        customer_key = f"fh-cost-{account['id']}-{uuid.uuid4().hex[:12]}"
        payment = {"auth_key": register_card(s, customer_key), "customer_key": customer_key}
        status, body, ms = http(f"{s.base}/api/v1/campaigns/{campaign}/pledges/", "POST",
                                {"amount": str(amount), "reward": None, "payment": payment},
                                {**bearer, "Idempotency-Key": f"fh-cost-{uuid.uuid4()}"})
        times["pledge"].append(ms)
        if status != 201:
            errors.append(f"pledge {status}: {str(body)[:300]}")

    def get(path: str, label: str) -> None:
        status, body, ms = http(s.base + path, headers=bearer)
        times[label].append(ms)
        if status != 200:
            errors.append(f"GET {path} {status}: {str(body)[:300]}")

    steps = [pledge, lambda: get("/api/v1/me/", "me"), lambda: get(f"/api/v1/campaigns/{campaign}/", "campaign")]
    for n in range(rounds):
        for step in steps[n % 3:] + steps[:n % 3]:
            step()
    medians = {k: round(statistics.median(v), 1) for k, v in times.items() if v}
    return {
        "rounds": rounds, "median_ms": medians,
        "p90_ms": {k: round(load.percentile(sorted(v), 0.9), 1) for k, v in times.items() if v},
        "ratio_pledge_to_me": round(medians["pledge"] / medians["me"], 2) if medians.get("me") else None,
        "ratio_pledge_to_campaign": (round(medians["pledge"] / medians["campaign"], 2)
                                     if medians.get("campaign") else None),
        "errors": errors[:10], "error_count": len(errors), "pledges_made": len(times["pledge"]) - sum(
            1 for e in errors if e.startswith("pledge ")),
    }


# --- one run of the load -----------------------------------------------------------------------------------------


def run_load(s: e2e.Stack, args: argparse.Namespace, mode: str, spec: dict[str, Any], accounts: list[dict[str, Any]],
             db_name: str) -> dict[str, Any]:
    """locust for ``args.seconds``: HOT (``hot_share`` to the hot campaign) or EVEN; the samples summarised."""
    hot = spec["hot"] if mode == "hot" else None
    others = spec["others"] if mode == "hot" else [spec["hot"], *spec["others"]]
    samples_file = s.workdir / f"locust_samples_{mode}.json"
    config = {
        "today": spec["today"], "think": list(args.think_range), "samples_file": str(samples_file),
        "backers": accounts, "provider_url": s.provider_url, "client_key": s.payments_client_key, "card": CARD_OK,
        "hot": hot, "others": others, "hot_share": args.hot_share, "reward": spec["reward"],
        "reward_campaign": spec["hot"], "reward_share": args.reward_share, "min_pledge": spec["min_pledge"],
        "read_campaign_share": 0.5, "read_pledges_share": 0.25,
        "names": {"pledge": PLEDGE, "hot_pledge": HOT_PLEDGE, "checkout": CHECKOUT},
    }
    config_file = s.workdir / f"locust_config_{mode}.json"
    config_file.write_text(json.dumps(config))
    argv = [str(e2e.VENV_BIN / "locust"), "-f", str(BENCH / "final_hour_locustfile.py"), "--headless",
            "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--host", s.base,
            "--only-summary", "--loglevel", "WARNING"]
    watch = load.Watch(s, db_name)
    load_before = os.getloadavg()
    log(f"{mode.upper()}: {args.users} backers, think {args.think_range[0]}-{args.think_range[1]} s, for "
        f"{args.seconds} s" + (f", {args.hot_share:.0%} to campaign {hot}" if hot else ", evenly over "
                              f"{len(others)} campaigns") + f" (load average {load_before[0]:.2f})")
    started = time.time()
    with open(s.workdir / f"locust_{mode}.log", "wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "LOAD_CONFIG": str(config_file)}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        groups = {p_.pid: name for name, p_ in s.procs.items()}
        groups[proc.pid] = "locust"
        watch.begin(groups)
        try:
            rc = proc.wait(timeout=args.seconds + 180)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            rc = proc.wait(timeout=30)
    cpu = watch.end()
    log(f"{mode.upper()}: locust done (exit {rc}) after {time.time() - started:.0f} s")
    data = json.loads(samples_file.read_text()) if samples_file.exists() else {"samples": [], "errors": []}
    samples = data["samples"]
    summary = load.summarise(samples, args.seconds)
    pledges = [r for r in samples if r[1] in (PLEDGE, HOT_PLEDGE)]
    made = [r for r in pledges if r[4] == 201]
    sold_out = [r for r in pledges if r[4] == 409 and r[5]]
    times = sorted(r[3] for r in pledges)
    made_times = sorted(r[3] for r in made)
    checkout = sorted(r[3] for r in samples if r[1] == CHECKOUT)

    def spread(values: list[float]) -> dict[str, float]:
        return {"p50_ms": round(load.percentile(values, 0.5), 1), "p95_ms": round(load.percentile(values, 0.95), 1),
                "p99_ms": round(load.percentile(values, 0.99), 1), "max_ms": round(values[-1], 1) if values else 0}

    t0 = min((r[2] for r in samples), default=started)
    minutes = []  # by when the pledge was answered: one started in the last minute is often not answered by the end
    for m in range(-(-args.seconds // 60)):
        window = [r for r in made if t0 + 60 * m <= r[2] + r[3] / 1000 < t0 + 60 * (m + 1)]
        minutes.append({"minute": m + 1, "pledges_per_s": round(len(window) / min(60, args.seconds - 60 * m), 2),
                        "p50_ms": round(load.percentile(sorted(r[3] for r in window), 0.5), 1)})
    return {
        "mode": mode, "hot": hot, "campaigns": len(others) + (hot is not None), "locust_exit": rc,
        "seconds": args.seconds, "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "pledges_made": len(made), "pledges_per_s": round(len(made) / args.seconds, 2),
        "hot_pledges_made": sum(1 for r in made if r[1] == HOT_PLEDGE),
        "hot_pledges_per_s": round(sum(1 for r in made if r[1] == HOT_PLEDGE) / args.seconds, 2),
        "pledge_posts": len(pledges), "pledge_post": spread(times), "pledge_201": spread(made_times),
        "expected_sold_out": len(sold_out), "checkout": {"count": len(checkout), **spread(checkout)},
        "pledge_by_status": dict(sorted(load._count(r[4] for r in pledges).items())),
        "requests": summary["requests"], "failures": summary["failures"], "rps": summary["rps"],
        "endpoints": summary["endpoints"], "minutes": minutes,
        "errors": sorted(data["errors"], key=lambda e: -e["count"]), "cpu": cpu,
    }


def scan_logs(s: e2e.Stack) -> dict[str, Any]:
    """``load.scan_logs`` (web and worker) and tracebacks in beat's and the provider stand-in's logs."""
    found = load.scan_logs(s.workdir)
    for name in ("beat", "payment-provider"):
        text = s.log_text(name)
        found[f"{name}_error_lines"] = sum(1 for line in text.splitlines()
                                           if "Traceback" in line or '"level": "ERROR"' in line)
    return found


def after_run(s: e2e.Stack, label: str, contest: int, run: dict[str, Any], users: int) -> dict[str, Any]:
    checked = world(s, {"command": "check", "contests": {label: contest}})[label]
    db_live = checked["live_pledges"]
    made = run["pledges_made"]
    return {
        "world": checked,
        # locust stops its users mid-request: a pledge the server finished after its client was stopped is in the
        # database only (at most one per user)
        "clients_vs_database": {"answered_201": made, "live_pledges": db_live,
                                "agree": made <= db_live <= made + users},
        "ledger_verify": load.verify(s, "ledger_verify"), "audit_verify": load.verify(s, "audit_verify"),
        "logs": scan_logs(s),
    }


def problems_of(r: dict[str, Any]) -> list[str]:
    out = [f"cost: {p}" for p in r["cost_check"]["world"]["problems"]]
    if not r["cost_check"]["clients_vs_database"]["agree"]:
        out.append(f"cost: clients and database disagree: {r['cost_check']['clients_vs_database']}")
    if r["cost"]["error_count"]:
        out.append(f"{r['cost']['error_count']} requests of the cost measurement failed: {r['cost']['errors'][:3]}")
    for mode, run in r["runs"].items():
        checks = r["checks"][mode]
        lg = checks["logs"]
        out += [f"{mode}: {what}" for what, bad in (
            (f"{run['failures']} requests failed", run["failures"]),
            ("no pledge was made", not run["pledges_made"]),
            (f"locust exited {run['locust_exit']}", run["locust_exit"]),
            ("ledger_verify", not checks["ledger_verify"]["ok"]),
            ("audit_verify", not checks["audit_verify"]["ok"]),
            (f"clients and database disagree: {checks['clients_vs_database']}",
             not checks["clients_vs_database"]["agree"]),
            (f"{lg['web_error_lines']} error lines in the web log", lg["web_error_lines"]),
            (f"{lg['worker_error_lines']} error lines in the worker log", lg["worker_error_lines"]),
            (f"{lg['beat_error_lines']} error lines in beat's log", lg["beat_error_lines"]),
            (f"{lg['payment-provider_error_lines']} error lines in the provider's log",
             lg["payment-provider_error_lines"]),
        ) if bad]
        out += [f"{mode}: {p}" for p in checks["world"]["problems"]]
    return out


# --- the invocation ----------------------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=int, default=600, help="seconds of each run (HOT, then EVEN)")
    p.add_argument("--users", type=int, default=500, help="backers (locust users), each signed up and signed in")
    p.add_argument("--spawn-rate", type=float, default=50.0, help="users started per second")
    p.add_argument("--think", default="1,3", help="think time after a user's pledge, MIN,MAX seconds")
    p.add_argument("--campaigns", type=int, default=21, help="live campaigns of each contest (one hot)")
    p.add_argument("--stock", type=int, default=300, help="the hot campaign's reward stock")
    p.add_argument("--pool", default="18000000,12000000", help="what each of the pool's two funders paid in, won")
    p.add_argument("--min-pledge", type=int, default=10_000, help="the campaigns' smallest pledge (= the reward's "
                   "price = the most matched per pledge)")
    p.add_argument("--hot-share", type=float, default=0.8, help="share of the HOT run's pledges to the hot one")
    p.add_argument("--reward-share", type=float, default=0.25, help="share of the hot campaign's pledges asking "
                   "for the reward (until the backer has seen it sold out)")
    p.add_argument("--cost-pairs", type=int, default=300, help="rounds of the pledge / GET side-by-side")
    p.add_argument("--cost-only", action="store_true", help="only the pledge / GET side-by-side (no HOT and EVEN "
                   "runs; --users backers are still made, one is enough)")
    p.add_argument("--web-workers", type=int, default=e2e.Stack.web_workers)
    p.add_argument("--worker-concurrency", type=int, default=e2e.Stack.worker_concurrency)
    p.add_argument("--quiet-timeout", type=float, default=300, help="seconds to wait for an idle machine first")
    p.add_argument("--json", type=Path, help="append the results as one JSON line to this file")
    p.add_argument("--db-name", default="sf_final_hour")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--smoke", action="store_true",
                   help="CI's smoke run: tiny sizes, a throwaway database, nothing written, no target judged")
    args = p.parse_args()
    if args.smoke:
        if args.json:
            p.error("--smoke runs are not results: no --json")
        for name, value in SMOKE.items():
            setattr(args, name, value)
        args.db_name = f"{args.db_name}_smoke_{os.getpid()}"
    args.think_range = tuple(float(x) for x in args.think.split(","))
    pool = [int(x) for x in args.pool.split(",")]

    quiet = None
    if not args.smoke:
        quiet = wait_for_quiet(max_other_cores=0.3, sample_seconds=5, timeout=args.quiet_timeout, log=log)
        log(f"machine before the run: {quiet['machine_busy_cores']} of {quiet['cores']} cores busy, load average "
            f"{os.getloadavg()[0]:.2f}")
    s = e2e.Stack(db_name=args.db_name, keep=args.keep, web_workers=args.web_workers,
                  worker_concurrency=args.worker_concurrency)
    load.past_the_proxies(s)
    result: dict[str, Any] = {
        "bench": "final_hour", "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": {k: getattr(args, k) for k in ("seconds", "users", "spawn_rate", "think", "campaigns", "stock", "pool",
                                                "min_pledge", "hot_share", "reward_share", "cost_pairs", "cost_only",
                                                "web_workers", "worker_concurrency", "smoke")},
        "quiet_before": quiet, "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "code": code_fingerprint(CODE_FILES),
    }
    with s:
        started = time.monotonic()
        cost_pool = [args.min_pledge * (args.cost_pairs + 10)]
        built = world(s, {"command": "build", "backers": args.users, "worlds": {
            "hot": {"code": "final-hour-hot", "name": "마감 1시간 (HOT)", "campaigns": args.campaigns,
                    "stock": args.stock, "pool": pool, "min_pledge": args.min_pledge, "seed": 1},
            "even": {"code": "final-hour-even", "name": "마감 1시간 (EVEN)", "campaigns": args.campaigns,
                     "stock": args.stock, "pool": pool, "min_pledge": args.min_pledge, "seed": 2},
            "cost": {"code": "final-hour-cost", "name": "후원 비용 측정", "campaigns": 1, "stock": None,
                     "pool": cost_pool, "min_pledge": args.min_pledge, "seed": 3},
        }})
        worlds = built["worlds"]
        result["build_seconds"] = round(time.monotonic() - started, 1)
        log(f"built in {result['build_seconds']} s: " + "; ".join(
            f"{k}: contest {w['contest']}, hot campaign {w['hot']}, {len(w['others'])} others, reward {w['reward']} "
            f"(stock {w['stock']}), pool {w['pool']} ({w['pool_won']:,} won)" for k, w in worlds.items())
            + f"; {len(built['backers'])} backers")
        started = time.monotonic()
        accounts = sign_in(s, built["backers"], built["password"])
        result["sign_in_seconds"] = round(time.monotonic() - started, 1)
        log(f"{len(accounts)} backers signed in in {result['sign_in_seconds']} s")

        log(f"a pledge next to a plain GET: {args.cost_pairs} rounds, one client")
        result["cost"] = side_by_side(s, worlds["cost"]["hot"], args.min_pledge, accounts[0], args.cost_pairs)
        result["cost_check"] = after_run(s, "cost", worlds["cost"]["contest"], result["cost"], 1)
        result["runs"], result["checks"] = {}, {}
        for mode in () if args.cost_only else ("hot", "even"):
            accounts = refresh(s, accounts)
            result["runs"][mode] = run_load(s, args, mode, worlds[mode], accounts, args.db_name)
            result["checks"][mode] = after_run(s, mode, worlds[mode]["contest"], result["runs"][mode], args.users)
        result["ratio"] = result["hot_campaign_ratio"] = None
        if not args.cost_only:
            hot, even = result["runs"]["hot"], result["runs"]["even"]
            result["ratio"] = round(hot["pledges_per_s"] / even["pledges_per_s"], 3) if even["pledges_per_s"] else None
            share = args.hot_share * even["pledges_per_s"]
            result["hot_campaign_ratio"] = round(hot["hot_pledges_per_s"] / share, 3) if share else None
        result["workdir"] = str(s.workdir)
    cost = result["cost"]["ratio_pledge_to_me"]
    result["targets"] = None if args.smoke else {  # reported, not asserted
        f"pledge / GET /me/ medians <= {TARGET_COST}": cost is not None and cost <= TARGET_COST,
    }
    if result["targets"] is not None and not args.cost_only:
        result["targets"].update({
            f"HOT / EVEN pledges/s >= {TARGET_RATIO}": result["ratio"] is not None and result["ratio"] >= TARGET_RATIO,
            "no error but the expected sold out": not any(run["failures"] for run in result["runs"].values()),
        })
    report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with args.json.open("a") as f:
            f.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
        log(f"appended to {args.json}")
    problems = problems_of(result)
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def report(r: dict[str, Any]) -> None:
    a = r["args"]
    print()
    print(f"== The final hour: {a['users']} backers, {a['seconds']} s a run, {a['campaigns']} campaigns, think "
          f"{a['think']} s, {a['web_workers']} gunicorn workers, worker concurrency {a['worker_concurrency']}")
    c = r["cost"]
    print()
    print(f"A pledge next to a plain GET ({c['rounds']} rounds, one client, interleaved): medians "
          + ", ".join(f"{k} {v} ms" for k, v in c["median_ms"].items())
          + f"; pledge / GET /me/ = {c['ratio_pledge_to_me']} (target <= {TARGET_COST}), pledge / campaign GET = "
          f"{c['ratio_pledge_to_campaign']}" + (f"; {c['error_count']} ERRORS" if c["error_count"] else ""))
    for mode, run in r["runs"].items():
        w = r["checks"][mode]["world"]
        print()
        print(f"-- {mode.upper()}: {run['pledges_made']} pledges in {run['seconds']} s = {run['pledges_per_s']} /s"
              + (f" (the hot campaign {run['hot_pledges_made']} = {run['hot_pledges_per_s']} /s)" if run["hot"] else "")
              + f"; load average {run['load_average_before'][0]} before, {run['load_average_after'][0]} after")
        pp = run["pledge_post"]
        print(f"   pledge POST ({run['pledge_posts']}): p50 {pp['p50_ms']} / p95 {pp['p95_ms']} / p99 {pp['p99_ms']} "
              f"/ max {pp['max_ms']} ms; by status {run['pledge_by_status']}; expected 409 sold out: "
              f"{run['expected_sold_out']}")
        ck = run["checkout"]
        print(f"   provider checkout (not ours, {ck['count']}): p50 {ck['p50_ms']} / p95 {ck['p95_ms']} / p99 "
              f"{ck['p99_ms']} ms")
        print(f"   {'endpoint':52} {'requests':>8} {'fail':>5} {'req/s':>7} {'p50':>8} {'p95':>8} {'p99':>8} "
              f"{'max':>8}")
        for name, e in run["endpoints"].items():
            print(f"   {name[:52]:52} {e['requests']:8d} {e['failures']:5d} {e['rps']:7.2f} {e['p50_ms']:8.1f} "
                  f"{e['p95_ms']:8.1f} {e['p99_ms']:8.1f} {e['max_ms']:8.1f}")
        print("   per minute: " + ", ".join(f"{m['minute']}: {m['pledges_per_s']}/s p50 {m['p50_ms']:.0f} ms"
                                          for m in run["minutes"]))
        if run["errors"]:
            print(f"   ERRORS ({sum(e['count'] for e in run['errors'])}):")
            for e in run["errors"]:
                print(f"     {e['count']:5d} x {e['type']} {e['name']}: {e['error'][:400]}")
        else:
            print("   errors: none")
        for pool in w["pools"]:
            print(f"   pool {pool['id']}: " + ", ".join(f"funder {f['funder']} paid in {f['funded']:,}, matched "
                                                         f"{f['matches']:,}, left {f['balance']:,}"
                                                         for f in pool["funders"])
                  + f"; {'ran dry' if pool['dry'] else 'did not run dry'}")
        for reward in w["rewards"]:
            print(f"   reward {reward['id']}: {reward['claimed']} of {reward['stock']} claimed "
                  f"({'sold out' if reward['sold_out'] else 'not sold out'}), {reward['live_pledges']} live pledges "
                  "hold it")
        ch = r["checks"][mode]
        print(f"   database: pledges by state {w['pledges']}, {w['matched_pledges']} matched; clients "
              f"{ch['clients_vs_database']}")
        print(f"   checks: {'clean' if not w['problems'] else w['problems']}; ledger_verify "
              f"{'ok' if ch['ledger_verify']['ok'] else 'FAILED'}, audit_verify "
              f"{'ok' if ch['audit_verify']['ok'] else 'FAILED'}; error lines: web {ch['logs']['web_error_lines']}, "
              f"worker {ch['logs']['worker_error_lines']}, beat {ch['logs']['beat_error_lines']}, provider "
              f"{ch['logs']['payment-provider_error_lines']}")
        for line in ch["logs"]["web_error_sample"] + ch["logs"]["worker_error_sample"]:
            print(f"     {line[:300]}")
        cpu = run["cpu"]
        print(f"   CPU in cores of {cpu['cores']} (machine busy {cpu['machine_busy_cores']}): "
              + ", ".join(f"{k} {v}" for k, v in cpu["by_group"].items()))
    print()
    if r["ratio"] is not None:
        print(f"Throughput ratio HOT / EVEN (pledges/s of the whole run): {r['ratio']} (target >= {TARGET_RATIO}); "
              f"the hot campaign's pledges/s over {a['hot_share']:.0%} of EVEN's: {r['hot_campaign_ratio']}")
    if r["targets"] is None:
        print("targets: not judged (a smoke run)")
    else:
        print("targets: " + "; ".join(f"{name}: {'met' if met else 'MISSED'}" for name, met in r["targets"].items()))
    print(f"(logs and samples in {r['workdir']})")


if __name__ == "__main__":
    sys.exit(main())
