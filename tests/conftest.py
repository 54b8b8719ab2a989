"""Test wiring: real servers on 127.0.0.1, chosen before the app is imported.

- AWS: moto's server in-process, reached over HTTP through `AWS_ENDPOINT_URL` (no patched clients).
- Request Tracker 5: the real one from Debian packages (tests/servers/rt5), started once per
  session for the tests marked `rt`. Without it they are skipped with the reason, except under
  `CI=true`, where a missing server is a failure.

The environment is set at import time because Chalice reads queue names when `app` is imported.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.replies import vk_api

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RT_SCRIPTS = Path(__file__).resolve().parent / "servers" / "rt5"
STAGE = "test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MOTO_PORT = free_port()
RT_PORT = free_port()
PROXY_PORT = free_port()
NOTIFY_PORT = free_port()
SERVICE_PORT = free_port()  # chosen up front: RT's status scrip is told where to report
ZENDESK_PORT = free_port()  # the zdco brand's Zendesk (a proxy in front of tests/servers/helpdesks/zendesk.py)
# the fdco, zmco and jsco brands' desks: proxies in front of tests/servers/helpdesks/<vendor>.py
DESK_PORTS = {f"{vendor}_port": free_port() for vendor in ("freshdesk", "zammad", "jira_sm")}
NETWORK_API_PORT = free_port()  # where the brands' reply requests go (tests/replies/ contract servers)
RT_REPLIES_PORT = free_port()  # RT's replies scrip (infra/rt/mentiondesk_replies.pl) posts here
RT_REPLIES_URL = f"http://127.0.0.1:{RT_REPLIES_PORT}/helpdesk-replies/request_tracker"
RT_REPLIES_SECRET = "rtco-replies-secret"
TELEGRAM_BOT_TOKEN = "123456:test-bot-token"
READ_API_KEY = "test-read-key"  # the agency key: every brand
BRAND_READ_KEYS = {"acme": "acme-read-key", "rtco": "rtco-read-key"}  # one brand each
WORK = Path(tempfile.mkdtemp(prefix="mentiondesk-tests-"))

ZENDESK_WEBHOOK_SECRET = (
    "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="  # Zendesk's test-send secret (helpdesk-replies.md)
)

# The communities' tokens for answering (tests/replies/vk_api.py accepts them: community and admin user)
VK_REPLY_TOKENS = {"community_token": vk_api.COMMUNITY_TOKEN, "user_token": vk_api.USER_TOKEN}

OTHER_SECRETS = {
    "/mentiondesk/acme/helpdesk/events-token": "acme-events-token",
    "/mentiondesk/acme/slack/webhook-url": f"http://127.0.0.1:{NOTIFY_PORT}/slack/T0001/B0001/abcdefXYZ",
    "/mentiondesk/acme/telegram-bot/token": TELEGRAM_BOT_TOKEN,
    "/mentiondesk/rtco/vk/secret": "rtco-vk-secret",
    "/mentiondesk/rtco/vk/confirmation": "rtco-conf",
    "/mentiondesk/rtco/helpdesk/events-token": "rtco-events-token",
    "/mentiondesk/zdco/vk/secret": "zdco-vk-secret",
    "/mentiondesk/zdco/vk/confirmation": "zdco-conf",
    "/mentiondesk/zdco/zendesk/api-token": "zd-token",
    "/mentiondesk/zdco/zendesk/webhook-secret": ZENDESK_WEBHOOK_SECRET,
    **{f"/mentiondesk/{slug}/vk/secret": f"{slug}-vk-secret" for slug in ("fdco", "zmco", "jsco")},
    **{f"/mentiondesk/{slug}/vk/confirmation": f"{slug}-conf" for slug in ("fdco", "zmco", "jsco")},
    "/mentiondesk/fdco/freshdesk/api-key": "fd-key",  # what tests/servers/helpdesks/<vendor>.py accept
    "/mentiondesk/zmco/zammad/token": "zammad-token",
    "/mentiondesk/jsco/jira/api-token": "jsm-token",
    **{
        f"/mentiondesk/{slug}/vk/{name}": token
        for slug in ("acme", "rtco", "zdco")
        for name, token in VK_REPLY_TOKENS.items()
    },
    "/mentiondesk/rtco/helpdesk/webhook-secret": RT_REPLIES_SECRET,
    f"/mentiondesk/{STAGE}/read-api-key": READ_API_KEY,
    **{f"/mentiondesk/{slug}/read-keys": key for slug, key in BRAND_READ_KEYS.items()},
}


def _acme_networks() -> tuple[dict[str, Any], dict[str, str]]:
    """The test brand `acme` listens on every discovered network, with the accounts its fixtures
    use (`tests/fixtures/<network>/brand.json`) and the contract suite's secrets, so a new
    connector is wired into every test by its own files alone."""
    from functions import connectors
    from tests.contract import secrets_for

    networks: dict[str, Any] = {}
    values: dict[str, str] = {}
    for network in connectors.push_networks():
        connector = connectors.load(network)
        assert connector is not None
        extra_file = FIXTURES / network / "brand.json"
        extra = json.loads(extra_file.read_text()) if extra_file.exists() else {}
        refs = {name: f"ssm:/mentiondesk/acme/{network}/{name}" for name in connector.SECRETS}
        networks[network] = {**extra, "secrets": refs}
        values.update({ref.removeprefix("ssm:"): secrets_for(connector)[name] for name, ref in refs.items()})
    return networks, values


ACME_NETWORKS, ACME_SECRETS = _acme_networks()
SECRETS = {**ACME_SECRETS, **OTHER_SECRETS}


def _brands_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "brands.json").read_text())
    for brand in document["brands"]:
        if brand["slug"] == "acme":
            brand["networks"] = ACME_NETWORKS
        settings = brand.get("helpdesk", {}).get("settings", {})
        if "url" in settings:
            ports = {"rt_port": RT_PORT, "proxy_port": PROXY_PORT, "zendesk_port": ZENDESK_PORT, **DESK_PORTS}
            settings["url"] = settings["url"].format(**ports)
        vk = brand.get("networks", {}).get("vk")
        if vk is not None and brand["slug"] in ("acme", "rtco", "zdco"):  # they answer through the VK contract server
            vk["settings"] = {**vk.get("settings", {}), "api": f"http://127.0.0.1:{NETWORK_API_PORT}"}
            vk["secrets"] = {
                **vk["secrets"],
                **{n: f"ssm:/mentiondesk/{brand['slug']}/vk/{n}" for n in VK_REPLY_TOKENS},
            }
        for target in brand.get("escalation", {}).get("notify", []):
            if "api_base" in target.get("settings", {}):
                target["settings"]["api_base"] = target["settings"]["api_base"].format(notify_port=NOTIFY_PORT)
    return document


(WORK / "brands.json").write_text(json.dumps(_brands_document()))

from infra.local import aws_environment, create_resources, seed_secrets  # noqa: E402

os.environ.update(aws_environment(f"http://127.0.0.1:{MOTO_PORT}", STAGE))
os.environ["BRANDS_FILE"] = str(WORK / "brands.json")
os.environ["TICKET_CLAIM_SECONDS"] = "2"
os.environ["REPLY_LEASE_SECONDS"] = "1"  # a reply part whose answer was lost is taken over a second later
os.environ["RETRY_MAX_SECONDS"] = "0"  # failed jobs come back at once; back-off has its own tests
os.environ["CHANNEL_RECORD_SECONDS"] = "0"  # every delivery recorded; the write-behind has its own test


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    import logging

    from moto.server import ThreadedMotoServer

    from tests.servers.moto_aws.bridges import atomic_dynamodb_writes

    atomic_dynamodb_writes()  # DynamoDB's per-item atomic conditional writes, which moto lacks
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=MOTO_PORT, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{MOTO_PORT}"
    server.stop()


@pytest.fixture
def aws(moto_server: str, notify_server: Any) -> Iterator[str]:
    """A clean stack per test: reset moto, recreate tables/queues, seed secrets, drop caches;
    the brand's on-call endpoints (Slack, Telegram) are up and empty."""
    notify_server.clear()
    from functions.runtime import aws as aws_clients
    from functions.runtime import secrets
    from functions.stores import channels, models, queues

    requests.post(f"{moto_server}/moto-api/reset", timeout=5).raise_for_status()
    aws_clients.reset()
    secrets.clear()
    queues.queue_url.cache_clear()
    channels.forget()
    models.forget()
    create_resources(STAGE)
    seed_secrets(SECRETS)
    yield moto_server


@pytest.fixture
def driver(aws: str) -> Any:
    """Runs the app's queue consumers like Lambda's SQS mappings; failed batches come back at once."""
    from app import app
    from infra.local import QueueDriver

    return QueueDriver(app, visibility_timeout=0)


@dataclass(frozen=True)
class RequestTrackerServer:
    url: str
    user: str
    password: str
    token: str

    def get(self, path: str) -> Any:
        response = requests.get(f"{self.url}/REST/2.0{path}", auth=(self.user, self.password), timeout=10)
        response.raise_for_status()
        return response.json()

    def search(self, ticketsql: str) -> list[dict[str, Any]]:
        found = self.get(f"/tickets?query={quote(ticketsql)}&fields=Subject,Status,Priority")
        return list(found.get("items", []))

    def history(self, ticket_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"/ticket/{ticket_id}/history?fields=Type,Data&per_page=100").get("items", []))

    def comments(self, ticket_id: str) -> list[str]:
        """The text of each comment on a ticket, oldest first (RT keeps it base64 in attachments)."""
        import base64

        texts = []
        for transaction in self.history(ticket_id):
            if transaction["Type"] != "Comment":
                continue
            for item in self.get(f"/transaction/{transaction['id']}/attachments")["items"]:
                content = self.get(f"/attachment/{item['id']}").get("Content") or ""
                texts.append(base64.b64decode(content).decode("utf-8", "replace"))
        return texts


def _require_rt() -> None:
    if shutil.which("curl") and Path("/usr/share/request-tracker5/libexec/rt-server").exists():
        return
    reason = "Request Tracker 5 is not installed (make test installs it with apt-get when run as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI nothing may be skipped")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def rt_server() -> Iterator[RequestTrackerServer]:
    _require_rt()
    directory = WORK / "rt5"
    scrip = {  # RT reports status changes to the app (`service`), as docs/helpdesks.md sets it up
        "MENTIONDESK_EVENTS_URL": f"http://127.0.0.1:{SERVICE_PORT}/helpdesk-events/request_tracker",
        "MENTIONDESK_EVENTS_TOKEN": OTHER_SECRETS["/mentiondesk/rtco/helpdesk/events-token"],
        "MENTIONDESK_REPLIES_URL": RT_REPLIES_URL,  # and its replies scrip (docs/helpdesk-replies.md)
        "MENTIONDESK_REPLIES_SECRET": RT_REPLIES_SECRET,
    }
    subprocess.run(
        [str(RT_SCRIPTS / "start.sh"), str(directory), str(RT_PORT)],
        check=True,
        timeout=180,
        env={**os.environ, **scrip},
    )
    env = dict(line.split("=", 1) for line in (directory / "env").read_text().splitlines() if "=" in line)
    try:
        yield RequestTrackerServer(env["RT_URL"], env["RT_USER"], env["RT_PASSWORD"], env.get("RT_TOKEN", ""))
    finally:
        subprocess.run([str(RT_SCRIPTS / "stop.sh"), str(directory)], check=False, timeout=60)


@pytest.fixture
def rt(rt_server: RequestTrackerServer, rt_proxy: Any, aws: str) -> RequestTrackerServer:
    """The RT server (behind the proxy, switched up) plus its token in SSM where the brand points."""
    import boto3

    rt_proxy.mode = "up"
    boto3.client("ssm").put_parameter(
        Name="/mentiondesk/rtco/rt/token", Value=rt_server.token, Type="SecureString", Overwrite=True
    )
    return rt_server


@pytest.fixture(scope="session")
def rt_proxy(rt_server: RequestTrackerServer) -> Iterator[Any]:
    """The `rtco` brand reaches RT through this proxy, so tests can stage outages."""
    from tests.servers.proxy import SwitchableProxy

    proxy = SwitchableProxy(PROXY_PORT, rt_server.url).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def service(moto_server: str) -> Iterator[str]:
    """The app's HTTP routes served by Chalice's local server on 127.0.0.1 (a real socket)."""
    import threading

    from app import app
    from infra.local import http_server

    server = http_server(app, STAGE, "127.0.0.1", SERVICE_PORT)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{SERVICE_PORT}"
    server.shutdown()


@pytest.fixture(scope="session")
def network_api_server() -> Iterator[Any]:
    """The networks' write APIs on the port the brands' reply settings name; tests set its handler."""
    from tests.fakeapi import FakeApiServer

    server = FakeApiServer(NETWORK_API_PORT).start()
    yield server
    server.stop()


@pytest.fixture
def network_api(network_api_server: Any) -> Any:
    network_api_server.reset()
    return network_api_server


@pytest.fixture(scope="session")
def notify_server() -> Iterator[Any]:
    from tests.servers.notify import NotifyServer

    server = NotifyServer(NOTIFY_PORT, TELEGRAM_BOT_TOKEN)
    yield server
    server.stop()


@pytest.fixture
def on_call(notify_server: Any, aws: str) -> Any:
    """The Slack and Telegram endpoints the `acme` brand escalates to (emptied by `aws`)."""
    return notify_server
