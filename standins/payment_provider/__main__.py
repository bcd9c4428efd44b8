"""``python -m standins.payment_provider --port N --webhook-url URL --secret-key K --client-key C --webhook-secret W``.

Serves the stand-in payment provider until interrupted (SIGINT or SIGTERM). ``--control`` adds the test-mode
control endpoints (/_control/...): never on anything that faces the public.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .server import Config, RunningProvider


def main(argv: list[str] | None = None) -> int:
    defaults = Config()
    parser = argparse.ArgumentParser(prog="python -m standins.payment_provider", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--webhook-url", default=defaults.webhook_url,
                        help="where every status change is POSTed (empty: kept, not delivered)")
    parser.add_argument("--secret-key", default=defaults.secret_key)
    parser.add_argument("--client-key", default=defaults.client_key)
    parser.add_argument("--webhook-secret", default=defaults.webhook_secret)
    parser.add_argument("--control", action="store_true", help="serve the test-mode /_control/ endpoints")
    parser.add_argument("--slow-seconds", type=float, default=defaults.slow_seconds,
                        help="how late the slow test card's answers come (the app's timeout + 1)")
    parser.add_argument("--webhook-attempts", type=int, default=defaults.webhook_attempts)
    parser.add_argument("--webhook-backoff", type=float, default=defaults.webhook_backoff_seconds,
                        help="seconds before the second try; doubled for each further one")
    parser.add_argument("--state-file", default="",
                        help="a JSON file the state is loaded from at start and saved to after each change, so that "
                             "billing keys and payments outlive a restart (default: in memory only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    running = RunningProvider(Config(
        secret_key=args.secret_key, client_key=args.client_key, webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url, control=args.control, slow_seconds=args.slow_seconds,
        webhook_attempts=args.webhook_attempts, webhook_backoff_seconds=args.webhook_backoff,
        state_file=args.state_file,
    ), host=args.host, port=args.port)

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=running.server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("standins.payment_provider").info(
        "payment provider stand-in on %s (webhooks to %s%s%s)", running.url, args.webhook_url or "nowhere",
        ", control endpoints on" if args.control else "", f", state in {args.state_file}" if args.state_file else "")
    running.serve_forever()
    running.server.server_close()
    running.dispatcher.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
