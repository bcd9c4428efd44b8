"""gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py config.wsgi`` (the image's CMD).

gunicorn sits behind nginx (compose) or an Ingress plus the pod's nginx (Kubernetes), never directly on the
internet: nginx buffers slow clients, so plain sync workers are enough. Each setting can be changed from the
environment without rebuilding the image.
"""

from __future__ import annotations

import math
import multiprocessing
import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    """The cores this container may use. ``multiprocessing.cpu_count()`` sees every core of the host, so under a
    CPU quota (a Kubernetes limit, ``docker run --cpus``) it is capped by the quota, rounded up."""
    cores = multiprocessing.cpu_count()
    quota = period = None
    try:  # cgroup v2: "<quota> <period>", or "max <period>" without a limit
        with open("/sys/fs/cgroup/cpu.max") as f:
            fields = f.read().split()
        if fields and fields[0] != "max":
            quota, period = int(fields[0]), int(fields[1])
    except (OSError, ValueError, IndexError):
        try:  # cgroup v1: a quota of -1 means no limit
            with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as f:
                quota = int(f.read())
            with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as f:
                period = int(f.read())
        except (OSError, ValueError):
            quota = period = None
    if quota and period and quota > 0:
        cores = min(cores, max(1, math.ceil(quota / period)))
    return cores


# Where to listen. The port is published only to nginx (compose network, pod-local in Kubernetes).
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Workers: 2 x cores + 1, or WEB_CONCURRENCY. Every worker keeps its own PostgreSQL connection (DB_CONN_MAX_AGE),
# so web processes x workers x threads counts against PostgreSQL's max_connections.
workers = _env_int("WEB_CONCURRENCY", _cores() * 2 + 1)
# 1: the sync worker (what bench/repayments.py measured). More than 1 switches gunicorn to the gthread worker;
# each thread then holds a database connection of its own.
threads = _env_int("GUNICORN_THREADS", 1)

# A request taking longer than this is killed (the worker is replaced); nginx's proxy_read_timeout is set just
# above it. Nothing in the API should come near it: PDFs are rendered by the `statements` workers, not in requests.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy, `docker compose stop`, a pod shut down) workers get this long to finish their requests.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Only the gthread worker keeps connections alive (sync closes after each response).
keepalive = 5

# Replace a worker after 1000 to 1500 requests, so slow leaks never add up. The jitter is wide on purpose: with
# load spread evenly the workers count alike, and a narrow one (100) replaced all three of bench/load.py's workers
# within 10 s of each other, an 11 s stall that made the whole p99 (bench/README.md, "Load").
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 500)

# Import the application in every worker after the fork, not once in the master: no connection opened at import
# time is shared between processes, and a HUP reloads new code.
preload_app = False

# Logs to stdout/stderr for the container runtime. The client address is nginx's X-Real-IP (%(h)s is nginx); rid
# is the request id nginx passes (X-Request-ID), the one Django's own log records carry (core/logs.py).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-real-ip}i)s via %(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}i)s "%(a)s"'

# Trust X-Forwarded-Proto from the proxy in front (sets wsgi.url_scheme). "*" because nginx's address on the
# compose network or in the pod is not fixed; it is safe only because port 8000 is never published to anyone but
# nginx. Django itself reads the same header through SECURE_PROXY_SSL_HEADER. Only this one header counts, so that
# a client sending X-Forwarded-Ssl or X-Forwarded-Protocol through the proxy cannot make a request unparseable.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# The worker heartbeat file on tmpfs: on a disk-backed /tmp (overlayfs) its fchmod can stall workers.
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's documented place for it, not a shared temp file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# The control socket (gunicornc) would be created under $HOME; containers are managed by signals from the
# orchestrator, not by gunicornc.
control_socket_disable = True

proc_name = "socialfin-web"
