"""Every benchmark in its smoke mode, one after the other: what ``make bench-smoke`` and CI run.

    .venv/bin/python bench/smoke.py                    # all of them
    .venv/bin/python bench/smoke.py statements load    # some

A smoke run (``--smoke``) is a benchmark at tiny sizes and for a few seconds, in a throwaway database of its own,
judging no target and appending nothing to ``bench/results/``: it is there to fail the build the day the code a
benchmark drives moves, not the day someone needs its figure. Each script still runs its end-of-run checks
(``ledger_verify`` and the rest) and exits non-zero on any error. This runs them all, even after a failure, then
prints how long each took and exits non-zero naming the ones that failed.

The databases of the scripts that build their portfolio themselves are copies of one template migrated here once
(``$BENCH_SMOKE_TEMPLATE``, dropped at the end). Every ``bench/*.py`` that can be run must be in ``SCRIPTS``: a new
benchmark without a smoke run fails here.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import portfolio  # noqa: E402

# In the order they run: the quick ones first, the load test (a whole stack) last.
SCRIPTS = ["close_business.py", "repayment_path.py", "subsidy_run.py", "statements.py", "repayments.py",
           "contention.py", "guarantee_approvals.py", "load.py", "final_hour.py"]
NOT_RUNNABLE = {"portfolio.py", "instrument.py", "locustfile.py", "smoke.py", "final_hour_locustfile.py",
                "final_hour_world.py"}  # libraries, and locust's users
TEMPLATE_URL = f"postgres://postgres@127.0.0.1:5432/sf_bench_smoke_template_{os.getpid()}"


def runnable_scripts() -> list[str]:
    return sorted(p.name for p in BENCH.glob("*.py")
                  if p.name not in NOT_RUNNABLE and re.search(r"^if __name__ == .__main__.:", p.read_text(), re.M))


def make_template() -> str:
    """A database migrated once, for the scripts to copy (``CREATE DATABASE ... TEMPLATE``)."""
    url = TEMPLATE_URL
    started = time.monotonic()
    os.environ.pop(portfolio.SMOKE_TEMPLATE, None)
    portfolio.recreate_database(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True,
                   env={**env, "DATABASE_URL": url, "DEBUG": "0", "LOG_LEVEL": "WARNING"})
    print(f"== template database {portfolio.db_name(url)} migrated in {time.monotonic() - started:.1f} s", flush=True)
    return url


def run(script: str, timeout: float) -> tuple[int | str, float]:
    """The script with ``--smoke``, its output passed on (the one-line ``RESULT`` JSON shortened); its exit code
    (or why it has none) and seconds. Past ``timeout`` it is interrupted (SIGINT: its ``finally`` blocks stop the
    servers it started), then killed."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(BENCH / script), "--smoke"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("RESULT "):
                line = f"RESULT ({len(line)} characters of JSON; a smoke run's figures are not results)\n"
            sys.stdout.write(line)
            sys.stdout.flush()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code: int | str = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = f"timed out after {timeout:.0f} s"
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(timeout=10)
    return code, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="script names (with or without .py); default: all")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one script may take (default 300)")
    args = parser.parse_args()

    unknown = sorted(set(runnable_scripts()) - set(SCRIPTS))
    if unknown:
        print(f"bench smoke: {', '.join(unknown)} can be run but has no smoke run: give it --smoke and add it to "
              "SCRIPTS in bench/smoke.py (or to NOT_RUNNABLE if it is not a benchmark)")
        return 1
    chosen = [s if s.endswith(".py") else f"{s}.py" for s in args.only] or SCRIPTS
    missing = [s for s in chosen if s not in SCRIPTS]
    if missing:
        parser.error(f"not a benchmark: {', '.join(missing)} (one of {', '.join(SCRIPTS)})")

    started = time.monotonic()
    outcomes: dict[str, tuple[int | str, float]] = {}
    template = make_template()
    os.environ[portfolio.SMOKE_TEMPLATE] = portfolio.db_name(template)
    try:
        for script in chosen:
            print(f"\n== bench smoke: {script} --smoke", flush=True)
            outcomes[script] = run(script, args.timeout)
    finally:
        portfolio.drop_database(template)
    total = time.monotonic() - started

    print("\n== bench smoke: summary")
    for script, (code, seconds) in outcomes.items():
        print(f"  {script:20} {seconds:6.1f} s  {'ok' if code == 0 else f'FAILED ({code})'}")
    failed = [script for script, (code, _s) in outcomes.items() if code != 0]
    print(f"  {'total':20} {total:6.1f} s")
    if failed:
        print(f"bench smoke FAILED: {', '.join(failed)}")
        return 1
    print(f"bench smoke passed: {len(outcomes)} scripts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
