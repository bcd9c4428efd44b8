"""Where the time of a block goes, by SQL statement kind and table, and in COMMIT (deferred triggers + WAL flush)."""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def classify(sql: str) -> str:
    head = sql.lstrip()[:12].upper()
    if head.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
        return "savepoint/release"
    verb = head.split()[0] if head.split() else "?"
    match = _TABLE.search(sql)
    table = match.group(1) if match else "?"
    if verb == "SELECT" and "FOR UPDATE" in sql.upper()[-60:]:
        verb = "SELECT…FOR UPDATE"
    return f"{verb} {table}"


class QueryStats:
    def __init__(self) -> None:
        self.count: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.marks: dict[str, float] = {}
        self.commits = 0
        self.commit_seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            now = time.perf_counter()
            key = classify(sql)
            self.count[key] += 1
            self.seconds[key] += now - started
            if sql.startswith('UPDATE "funds_loan" SET "closed_through"'):
                self.marks["quiet_update_started"] = started
                self.marks["quiet_update_done"] = now

    @property
    def queries(self) -> int:
        return sum(self.count.values())

    @property
    def query_seconds(self) -> float:
        return sum(self.seconds.values())

    def table(self, top: int = 15) -> str:
        rows = sorted(self.seconds.items(), key=lambda kv: -kv[1])[:top]
        lines = [f"  {'statement':42} {'count':>8} {'seconds':>9} {'ms each':>8}"]
        for key, seconds in rows:
            n = self.count[key]
            lines.append(f"  {key:42} {n:8d} {seconds:9.2f} {1000 * seconds / n:8.3f}")
        lines.append(f"  {'COMMIT (deferred ledger triggers + WAL flush)':42} {self.commits:8d} "
                     f"{self.commit_seconds:9.2f} {1000 * self.commit_seconds / max(self.commits, 1):8.3f}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "queries": self.queries, "query_seconds": round(self.query_seconds, 3), "commits": self.commits,
            "commit_seconds": round(self.commit_seconds, 3),
            "by_statement": {k: {"count": self.count[k], "seconds": round(v, 3)}
                             for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])},
        }


@contextmanager
def measured(connection: Any) -> Iterator[QueryStats]:
    """Time every query and every COMMIT on ``connection`` inside the block."""
    stats = QueryStats()
    connection.ensure_connection()
    original = connection._commit

    def timed_commit() -> Any:
        started = time.perf_counter()
        try:
            return original()
        finally:
            stats.commits += 1
            stats.commit_seconds += time.perf_counter() - started

    connection._commit = timed_commit
    try:
        with connection.execute_wrapper(stats):
            yield stats
    finally:
        del connection._commit


# --- what else ran on the machine meanwhile ----------------------------------------------------------------------

def _proc_times() -> dict[int, tuple[int, str, int]]:
    """pid -> (utime + stime in clock ticks, cmdline, parent pid) of every process."""
    import os

    result = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            result[int(pid)] = (int(fields[11]) + int(fields[12]), cmd, int(fields[1]))
        except (OSError, IndexError, ValueError):
            continue
    return result


def _busy_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class MachineWatch:
    """CPU used on the whole machine during a measurement, in cores (1.0 = one core busy all the time), split into
    the benchmark's own processes (this process and its children such as gunicorn or pgbench, and PostgreSQL
    backends of an ``sf_bench*`` database), PostgreSQL's background processes, other processes (e.g. someone's test
    suite), and what could not be attributed (processes that lived less than the 0.1 s sampling interval).
    Processes are sampled from /proc every 0.1 s, so short-lived backends (a connection per request) are counted."""

    def __init__(self, marker: str = "sf_bench", interval: float = 0.1) -> None:
        self.marker, self.interval = marker, interval
        self.seen: dict[int, list] = {}  # pid -> [ticks at first sight (0 if born meanwhile), last ticks, cmd, ppid]
        self._stop = threading.Event()

    def _sample(self, first: bool = False) -> None:
        for pid, (ticks, cmd, ppid) in _proc_times().items():
            row = self.seen.get(pid)
            if row is None:
                self.seen[pid] = [ticks if first else 0, ticks, cmd, ppid]
            else:
                row[1], row[2] = ticks, cmd or row[2]

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.busy0, self.total0 = _busy_ticks()
        self._sample(first=True)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        import os

        self._stop.set()
        self._thread.join()
        self._sample()
        busy1, total1 = _busy_ticks()
        wall = time.monotonic() - self.t0
        ours = {os.getpid()}
        changed = True
        while changed:
            changed = False
            for pid, (_b, _l, cmd, ppid) in self.seen.items():
                if pid not in ours and (ppid in ours or self.marker in cmd):
                    ours.add(pid)
                    changed = True
        tick = os.sysconf("SC_CLK_TCK")
        cores = {"benchmark": 0.0, "postgres_background": 0.0, "other": 0.0}
        for pid, (base, last, cmd, _ppid) in self.seen.items():
            used = (last - base) / tick / wall
            if pid in ours:
                cores["benchmark"] += used
            elif cmd.startswith("postgres: ") and "(" not in cmd:
                cores["postgres_background"] += used
            else:
                cores["other"] += used
        cpus = os.cpu_count() or 1
        busy = (busy1 - self.busy0) / max(total1 - self.total0, 1) * cpus
        return {"seconds": round(wall, 1), "cores": cpus, "machine_busy_cores": round(busy, 2),
                "benchmark_cores": round(cores["benchmark"], 2),
                "postgres_background_cores": round(cores["postgres_background"], 2),
                "other_cores": round(cores["other"], 2),
                "unattributed_cores": round(max(busy - sum(cores.values()), 0), 2)}


def wait_for_quiet(*, max_other_cores: float = 0.25, sample_seconds: float = 10, timeout: float = 1800,
                   log: Any = print) -> dict[str, float]:
    """Wait until the machine is nearly idle (other processes use at most ``max_other_cores``) before measuring;
    give up after ``timeout`` seconds (the measurement then says how busy the machine was)."""
    deadline = time.monotonic() + timeout
    while True:
        watch = MachineWatch()
        watch.start()
        time.sleep(sample_seconds)
        sample = watch.stop()
        if sample["machine_busy_cores"] <= max_other_cores:
            return sample
        if time.monotonic() > deadline:
            log(f"machine still busy ({sample}); measuring anyway")
            return sample
        log(f"machine busy: {sample['machine_busy_cores']} of {sample['cores']} cores in use; waiting")


CODE_FILES = ("funds/services/close.py", "funds/services/repayments.py", "funds/services/state.py",
              "core/engines/loans.py", "funds/accounts.py", "ledger/services.py",
              "api/funds/views.py", "api/common/idempotency.py", "core/audit.py", "core/db.py")


def code_fingerprint(files: tuple[str, ...] = CODE_FILES) -> dict[str, str]:
    """SHA-256 (first 12 hex digits) and modification time of the files measured (``files``: the revolving fund's
    by default), since the code moves under us and git is not ours to run: a figure belongs to the code it was
    measured on."""
    import hashlib
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = {}
    for name in files:
        path = root / name
        if path.exists():
            mtime = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(path)))
            out[name] = f"{hashlib.sha256(path.read_bytes()).hexdigest()[:12]} {mtime}"
    return out
