"""The cost of one repayment, in process: queries and CPU of `POST /api/v1/loans/{id}/repayments/` beside a plain
authenticated `GET /api/v1/me/`, alternated on the same connection, on PostgreSQL.

    .venv/bin/python bench/repayment_path.py --json bench/results/repayment_path.jsonl
    .venv/bin/python bench/repayment_path.py --smoke          # tiny, for CI: checks it runs, judges nothing

It builds a small portfolio (``portfolio.build``: a fund whose loans went through the real services and a real
history), then drives Django's test client (the whole middleware and DRF stack with a JWT, no HTTP server) in this
process: for each of ``--requests`` loans with nothing due, one repayment of 100,000 won (accrued interest, then a
prepayment that re-amortises the schedule), each followed by one `GET /api/v1/me/`. Per request it records the
queries (every statement sent, savepoints included) and the CPU time of this process (``time.process_time``: Django,
DRF, psycopg; the database server's CPU is not in it). It also counts the queries of the service call alone
(``repayment_make`` without the HTTP layer). Targets (issue 13): at most 15 queries; CPU at most 3 x the GET.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import portfolio

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sf_bench_path"
PASSWORD = "bench-password-not-secret-7f3c"
TARGET_QUERIES = 15
TARGET_CPU_RATIO = 3.0
log = portfolio._log


def _repayment_service():  # type: ignore[no-untyped-def]
    from funds import services

    if hasattr(services, "repayment_make"):
        return services.repayment_make
    from funds import servicing  # type: ignore[attr-defined]  # before issue 13 (to measure the code before)

    return servicing.repayment_make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_PATH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--loans", type=int, default=400)
    parser.add_argument("--requests", type=int, default=60, help="repayments (and as many GETs) measured")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no result written")
    parser.add_argument("--label", default="", help="a note stored with the result (e.g. the commit)")
    parser.add_argument("--json", help="append the result to this file (JSON lines)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N more repayments over HTTP (cProfile, printed)")
    parser.add_argument("--profile-service", action="store_true", help="profile service calls instead of HTTP")
    args = parser.parse_args()
    if args.smoke:
        if args.json:
            parser.error("--smoke runs are not results: no --json")
        args.loans, args.requests = 20, 3
        url = portfolio.smoke_url(DEFAULT_URL)  # never the environment's database: a throwaway one, dropped
        try:
            measure(args, url)
        finally:
            portfolio.drop_database(url)
        return
    measure(args, args.db_url)


def measure(args: argparse.Namespace, url: str) -> None:
    # As in production, where a broker is configured: events are sealed by beat's task, not in the request.
    os.environ.setdefault("AUDIT_SEAL_ON_COMMIT", "0")
    portfolio.recreate_database(url)
    portfolio.django_setup(url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from enterprises.models import User
    from funds.models import Installment, Loan

    today = timezone.localdate()
    portfolio.migrate()
    portfolio.build(loans=args.loans, first_open_day=today, manager_password=PASSWORD,
                    **({"template_days": 3} if args.smoke else {}))
    due = set(Installment.objects.filter(due_on=today).values_list("loan_id", flat=True))
    quiet = list(Loan.objects.filter(state=Loan.State.ACTIVE, days_past_due=0).exclude(pk__in=due)
                 .order_by("pk").values_list("pk", flat=True))
    needed = 1 + args.requests + min(args.requests, 20)
    if len(quiet) < needed:
        raise SystemExit(f"only {len(quiet)} loans with nothing due; need {needed}")

    client = Client()
    response = client.post("/api/v1/auth/token/", {"username": "bench-manager", "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    auth = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access']}"}

    def timed(call):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as captured:
            cpu, wall = time.process_time(), time.perf_counter()
            response = call()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return response, len(captured.captured_queries), cpu, wall, captured.captured_queries

    def repay(loan_id: int):  # type: ignore[no-untyped-def]
        return timed(lambda: client.post(f"/api/v1/loans/{loan_id}/repayments/", {"amount": "100000"},
                                         content_type="application/json",
                                         HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **auth))

    def me():  # type: ignore[no-untyped-def]
        return timed(lambda: client.get("/api/v1/me/", **auth))

    repay(quiet.pop())  # warm-up: imports, caches, the connection
    me()
    posts, gets = [], []
    for _ in range(args.requests):
        post = repay(quiet.pop())
        get = me()
        if post[0].status_code != 201 or get[0].status_code != 200:
            raise SystemExit(f"unexpected: POST {post[0].status_code} {post[0].content[:300]!r}, "
                             f"GET {get[0].status_code}")
        posts.append(post)
        gets.append(get)

    manager = User.objects.get(username="bench-manager")
    make = _repayment_service()
    service = []
    for _ in range(min(args.requests, 20)):
        service.append(timed(lambda: make(actor=manager, loan_id=quiet.pop(), amount="100000",
                                          idempotency_key=str(uuid.uuid4()), today=today)))

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)  # CPU time, not waits
        profiler.enable()
        for _ in range(args.profile):
            if args.profile_service:
                make(actor=manager, loan_id=quiet.pop(), amount="100000", idempotency_key=str(uuid.uuid4()),
                     today=today)
            else:
                repay(quiet.pop())
        profiler.disable()
        profiler.dump_stats("/tmp/repayment_path.prof")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(25)

    def med(rows, index):  # type: ignore[no-untyped-def]
        return statistics.median(r[index] for r in rows)

    result = {
        "bench": "repayment_path", "at": timezone.now().isoformat(timespec="seconds"), "label": args.label,
        "loans": args.loans, "requests": args.requests,
        "post_queries": med(posts, 1), "get_queries": med(gets, 1), "service_queries": med(service, 1),
        "post_cpu_ms": round(1000 * med(posts, 2), 2), "get_cpu_ms": round(1000 * med(gets, 2), 2),
        "service_cpu_ms": round(1000 * med(service, 2), 2),
        "post_wall_ms": round(1000 * med(posts, 3), 2), "get_wall_ms": round(1000 * med(gets, 3), 2),
    }
    result["cpu_ratio"] = round(result["post_cpu_ms"] / result["get_cpu_ms"], 2)
    result["machine"] = portfolio.machine_facts()
    log(f"POST repayment: {result['post_queries']} queries, {result['post_cpu_ms']} ms CPU, "
        f"{result['post_wall_ms']} ms wall (medians of {args.requests})")
    log(f"GET /me/:       {result['get_queries']} queries, {result['get_cpu_ms']} ms CPU, "
        f"{result['get_wall_ms']} ms wall")
    log(f"service alone:  {result['service_queries']} queries, {result['service_cpu_ms']} ms CPU")
    log(f"CPU ratio POST/GET: {result['cpu_ratio']} (target <= {TARGET_CPU_RATIO}); "
        f"queries {result['post_queries']} (target <= {TARGET_QUERIES})")
    for title, rows in (("the last repayment over HTTP", posts), ("the last repayment service call", service)):
        print(f"\n  the queries of {title}:")
        for query in rows[-1][4]:
            print("   ", query["sql"][:150])
    from django.core.management import call_command

    call_command("ledger_verify")
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(result, ensure_ascii=False) + "\n")
    connection.close()
    if not args.keep:
        portfolio.drop_database(url)


if __name__ == "__main__":
    main()
