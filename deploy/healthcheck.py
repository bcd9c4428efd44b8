"""Health check of the web process: GET /healthz on the local gunicorn.

    python deploy/healthcheck.py          ready: exit 0 on 200 (the database answers; a broker that is down only
                                          makes it "degraded"), 1 otherwise. The Dockerfile's HEALTHCHECK.
    python deploy/healthcheck.py --live   alive: exit 0 on any HTTP answer, 503 included. Kubernetes' liveness
                                          probe: a database outage must not get every web pod restarted.

The request carries a Host header taken from ALLOWED_HOSTS, since Django answers any other host with a 400.
/healthz is exempt from the production HTTPS redirect (SECURE_REDIRECT_EXEMPT), so plain HTTP to gunicorn works.
Standard library only, so that it stays cheap enough to run every few seconds.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def _host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip()
        if not host:
            continue
        if host == "*":
            return "localhost"
        return host.lstrip(".")  # ".example.go.kr" allows the domain itself
    return "localhost"


def _url() -> str:
    if os.environ.get("HEALTHCHECK_URL"):
        return os.environ["HEALTHCHECK_URL"]
    bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
    port = bind.rsplit(":", 1)[-1] if ":" in bind else "8000"
    return f"http://127.0.0.1:{port}/healthz"


def main(argv: list[str]) -> int:
    live = "--live" in argv
    url = _url()
    if not url.startswith(("http://", "https://")):
        print(f"healthcheck: not an http(s) URL: {url}", file=sys.stderr)
        return 1
    request = urllib.request.Request(url, headers={"Host": _host(), "User-Agent": "socialfin-healthcheck"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - checked to be http(s) above
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:  # gunicorn answered, with an error status
        print(f"healthcheck: HTTP {exc.code}", file=sys.stderr)
        return 0 if live and exc.code == 503 else 1
    except (urllib.error.URLError, OSError) as exc:  # nothing answered
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
