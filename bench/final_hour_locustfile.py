"""Locust backers for ``bench/final_hour.py``: citizens pledging in a contest's last hour.

Not meant to be run by hand: ``bench/final_hour.py`` builds the contests, signs every backer in once and runs

    locust -f bench/final_hour_locustfile.py --headless --host <gunicorn> ...

with ``LOAD_CONFIG`` naming a JSON file of what the users need (the backers' tokens, the run's campaigns, the hot
one and its share, the reward, the payment provider's stand-in and its client key). The raw samples and the error
table are ``bench/locustfile.py``'s (its listeners record every request, and write them to the config's
``samples_file`` when locust quits); its user classes are not imported, so only ``Backer`` runs here.

Each backer, again and again: registers a card on the provider's page without a browser (``POST
/v1/test/checkout``, mode billing: the provider's time, named ``provider: ...`` and counted apart), pledges the
campaign's smallest pledge (``POST /api/v1/campaigns/{id}/pledges/`` with a fresh ``Idempotency-Key``; now and then
claiming the hot campaign's reward, until it has seen it sold out), then sometimes reads the campaign's page data and
its own pledges, and thinks. The campaign is the hot one with probability ``hot_share`` (the rest spread evenly over
the others), or any of them evenly when there is no hot one. A 409 naming the reward (sold out) is expected once the
stock is gone: a success here, counted apart by ``final_hour.py``; any other answer that is not 2xx is a failure
carrying its status and body.
"""

from __future__ import annotations

import base64
import itertools
import random
import time
import uuid
from typing import Any

import locustfile as shared  # the raw samples and the error table (its listeners); CONFIG from LOAD_CONFIG
from locust import FastHttpUser, between, task

CONFIG: dict[str, Any] = shared.CONFIG
UA = "socialfin-final-hour/1.0 (locust)"
NAMES = CONFIG.get("names", {})  # how requests are named: final_hour.py reads them back by these names
_next_backer = itertools.count()


def is_sold_out(status: int, body: Any) -> bool:
    """The expected refusal once the reward's stock is gone: 409 naming the reward."""
    return status == 409 and isinstance(body, dict) and "reward" in (body.get("fields") or {})


class Backer(FastHttpUser):
    wait_time = between(*CONFIG.get("think", (1.0, 3.0)))
    # gunicorn's sync workers answer with "Connection: close"; under this load a slow answer is the measurement
    network_timeout = 180.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        backers = CONFIG["backers"]
        self.account = dict(backers[next(_next_backer) % len(backers)])
        self.sold_out_seen = False
        self.client_auth = "Basic " + base64.b64encode(f"{CONFIG['client_key']}:".encode()).decode()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        if time.time() - self.account["token_at"] > 600:  # access tokens live 15 minutes: renew after 10
            with self.client.post("/api/v1/auth/token/refresh/", json={"refresh": self.account["refresh"]},
                                  name="/api/v1/auth/token/refresh/", catch_response=True) as r:
                if r.status_code == 200:
                    pair = r.json()
                    self.account.update(access=pair["access"], refresh=pair.get("refresh", self.account["refresh"]),
                                        token_at=time.time())
                else:
                    r.failure(f"HTTP {r.status_code}: {shared._body(r)}")
        return {"Authorization": f"Bearer {self.account['access']}", "User-Agent": UA, **(extra or {})}

    def _campaign(self) -> int:
        hot, others = CONFIG["hot"], CONFIG["others"]
        if hot is not None and (not others or random.random() < CONFIG["hot_share"]):
            return int(hot)
        return int(random.choice(others))

    def _checkout(self) -> dict[str, str] | None:
        """A card registered for billing on the provider's page: the payment fields of an all-or-nothing pledge."""
        customer_key = f"fh-{self.account['id']}-{uuid.uuid4().hex[:16]}"
        body = {"mode": "billing", "customerKey": customer_key, "cardNumber": CONFIG["card"], "cardExpiry": "12/39",
                "birthDate": "900101"}
        with self.client.post(CONFIG["provider_url"] + "/v1/test/checkout", name=NAMES["checkout"], json=body,
                              headers={"Authorization": self.client_auth, "User-Agent": UA},
                              catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}: {shared._body(r)}")
                return None
            r.success()
            return {"auth_key": r.json()["authKey"], "customer_key": customer_key}

    @task
    def pledge(self) -> None:
        campaign = self._campaign()
        payment = self._checkout()
        if payment is None:
            return
        reward = None
        if (campaign == CONFIG["reward_campaign"] and CONFIG["reward"] is not None and not self.sold_out_seen
                and random.random() < CONFIG["reward_share"]):
            reward = CONFIG["reward"]
        body = {"amount": str(CONFIG["min_pledge"]), "reward": reward, "payment": payment}
        name = NAMES["hot_pledge"] if campaign == CONFIG["hot"] else NAMES["pledge"]
        with self.client.post(f"/api/v1/campaigns/{campaign}/pledges/", name=name, json=body,
                              headers=self._headers({"Idempotency-Key": f"fh-{uuid.uuid4()}"}),
                              catch_response=True) as r:
            if r.status_code == 201:
                r.success()
            elif reward is not None and is_sold_out(r.status_code, _json(r)):
                self.sold_out_seen = True  # the page would show it sold out from now on
                r.success()
            else:
                r.failure(f"HTTP {r.status_code}: {shared._body(r)}")
        if random.random() < CONFIG["read_campaign_share"]:
            self._get(f"/api/v1/campaigns/{campaign}/", "/api/v1/campaigns/{id}/")
        if random.random() < CONFIG["read_pledges_share"]:
            self._get("/api/v1/pledges/", "/api/v1/pledges/")

    def _get(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, headers=self._headers(), catch_response=True) as r:
            if 200 <= r.status_code < 300:
                r.success()
            else:
                r.failure(f"HTTP {r.status_code}: {shared._body(r)}")


def _json(r: Any) -> Any:
    try:
        return r.json()
    except Exception:  # noqa: BLE001 - not JSON: not the expected refusal
        return None
