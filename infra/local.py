"""The local embedded stack: the whole pipeline on 127.0.0.1 with nothing but this repo.

    python -m infra.local            (what `make run` runs)

- moto's server in-process serves DynamoDB, SQS, SSM and Secrets Manager over HTTP; the
  functions reach it through `AWS_ENDPOINT_URL`, exactly as the tests do;
- tables and queues come from `infra/resources.py`, the definition CloudFormation deploys;
- demo secrets from `infra/local-secrets.json` go into SSM, so secrets take the deployed path;
- Chalice's local HTTP server serves the routes, and a `QueueDriver` does what Lambda's event
  source mappings do (`chalice local` serves only HTTP);
- with `LOCAL_RT_ENV=<dir>/env` (what `tests/servers/rt5/start.sh <dir> <port>` writes), the demo
  brand `acme` sends its tickets to that Request Tracker instead of the builtin desk;
- its URL and AWS environment go to a state file (`.local/stack.json`, or `--state-file`, or
  `$MENTIONDESK_LOCAL_STATE`), removed on exit, so `python -m functions.cli --local ...` finds it.
State lives in memory and is gone when the process stops.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from infra.resources import ARTIFACTS_ENV, DLQ_RETENTION_SECONDS, QUEUES, TABLES, environment, name, table_definition

REGION = "us-east-1"
PATH_LOG_CHARS = 200  # longer paths are cut in the access log
HERE = Path(__file__).resolve().parent
STATE_FILE = HERE.parent / ".local" / "stack.json"  # what functions/cli.py --local reads


def aws_environment(endpoint: str, stage: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        **environment(stage),
        ARTIFACTS_ENV: name(stage, "artifacts"),
    }


def write_state(path: Path, url: str, environment: dict[str, str]) -> None:
    """Tell `python -m functions.cli --local` where this stack is (written whole, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps({"url": url, "pid": os.getpid(), "environment": environment}, indent=2))
    partial.replace(path)


def remove_state(path: Path) -> None:
    """Remove the state file if it is still this process's (another stack may have replaced it)."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


RT_BRAND = "acme"
RT_TOKEN_PARAMETER = "/mentiondesk/acme/rt/token"  # noqa: S105 (a parameter name)


def read_env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines (tests/servers/rt5/start.sh's DIR/env)."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def with_request_tracker(document: dict[str, Any], url: str) -> dict[str, Any]:
    """The brand file with `RT_BRAND`'s tickets going to the Request Tracker at `url`, in the queue and
    custom field that tests/servers/rt5/seed.pl creates; its status events token is kept."""

    def routed(brand: dict[str, Any]) -> dict[str, Any]:
        if brand["slug"] != RT_BRAND:
            return brand
        kept = {k: v for k, v in brand.get("helpdesk", {}).get("secrets", {}).items() if k == "events_token"}
        settings = {"url": url, "queue": "mentiondesk", "custom_field": "MentionId"}
        helpdesk = {
            "vendor": "request_tracker",
            "settings": settings,
            "secrets": {**kept, "token": f"ssm:{RT_TOKEN_PARAMETER}"},
        }
        return {**brand, "helpdesk": helpdesk}

    brands = [routed(brand) for brand in document["brands"]]
    return {**document, "brands": brands}


def use_request_tracker(env_file: Path) -> dict[str, str]:
    """Point `RT_BRAND` at the RT described in `env_file`: a brand file of our own in BRANDS_FILE;
    returns the secret to seed (the RT auth token)."""
    import tempfile

    rt = read_env_file(env_file)
    if not rt.get("RT_URL") or not rt.get("RT_TOKEN"):
        raise SystemExit(f"LOCAL_RT_ENV: {env_file} has no RT_URL and RT_TOKEN (written by tests/servers/rt5/start.sh)")
    source = Path(os.environ.get("BRANDS_FILE") or HERE.parent / "functions" / "config" / "brands.json")
    target = Path(tempfile.mkdtemp(prefix="mentiondesk-local-")) / "brands.json"
    target.write_text(json.dumps(with_request_tracker(json.loads(source.read_text()), rt["RT_URL"]), indent=2))
    os.environ["BRANDS_FILE"] = str(target)
    print(f"mentiondesk local: {RT_BRAND}'s tickets go to Request Tracker at {rt['RT_URL']} (queue mentiondesk)")
    return {RT_TOKEN_PARAMETER: rt["RT_TOKEN"]}


def create_resources(stage: str) -> None:
    """Create this stage's tables, queues (with DLQs and redrive) and artifacts bucket on the current endpoint."""
    dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    boto3.client("s3").create_bucket(Bucket=name(stage, "artifacts"))
    for table in TABLES:
        dynamodb.create_table(**table_definition(stage, table))
    for queue in QUEUES:
        dlq_url = sqs.create_queue(
            QueueName=name(stage, f"{queue.suffix}-dlq"),
            Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(
            QueueName=name(stage, queue.suffix),
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}
                ),
            },
        )


def seed_secrets(values: dict[str, str]) -> None:
    ssm = boto3.client("ssm")
    for key, value in values.items():
        if key.startswith("/"):
            ssm.put_parameter(Name=key, Value=value, Type="SecureString", Overwrite=True)


@dataclass
class _Context:
    """The parts of the Lambda context object our handlers may read."""

    function_name: str
    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class QueueDriver:
    """Feeds SQS messages to the app's `on_sqs_message` handlers the way Lambda does.

    A batch whose handler returns is deleted; one whose handler raises is left alone, so its
    messages come back after the visibility timeout and reach the DLQ after `maxReceiveCount`.
    """

    def __init__(self, app: Any, visibility_timeout: int | None = None) -> None:
        self.app = app
        self.sqs = boto3.client("sqs")
        self.visibility_timeout = visibility_timeout
        self.sources = [s for s in app.event_sources if type(s).__name__ == "SQSEventConfig"]

    def _url(self, queue: str) -> str:
        return str(self.sqs.get_queue_url(QueueName=queue)["QueueUrl"])

    def run_once(self, source: Any, wait_seconds: int = 0) -> int:
        url = self._url(source.queue)
        kwargs: dict[str, Any] = {
            "QueueUrl": url,
            "MaxNumberOfMessages": source.batch_size,
            "WaitTimeSeconds": wait_seconds,
            "AttributeNames": ["All"],
        }
        if self.visibility_timeout is not None:
            kwargs["VisibilityTimeout"] = self.visibility_timeout
        messages = self.sqs.receive_message(**kwargs).get("Messages", [])
        if not messages:
            return 0
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": m.get("MD5OfBody", ""),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:{source.queue}",
                    "awsRegion": REGION,
                }
                for m in messages
            ]
        }
        try:
            self.app.handler_map[source.name](event, _Context(source.name, uuid.uuid4().hex))
        except Exception:  # Lambda semantics: the batch is not deleted; failures come back later
            return len(messages)
        self.sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        )
        return len(messages)

    def drain(self, rounds: int = 50) -> int:
        """Run every consumer until all queues look empty (tests call this for determinism)."""
        total = 0
        for _ in range(rounds):
            handled = sum(self.run_once(source) for source in self.sources)
            total += handled
            if handled == 0:
                break
        return total

    def serve(self, stop: threading.Event) -> list[threading.Thread]:
        """One thread per consumer. A failing poll (SQS unreachable, a message it cannot return)
        is reported and retried after a pause, never the end of the thread; the health report
        (`functions.runtime.workers`) shows consumers that fail in a row or died."""
        from functions.runtime import workers

        def loop(source: Any) -> None:
            pause = 0.0
            while not stop.is_set():
                try:
                    self.run_once(source, wait_seconds=1)
                except Exception as error:  # keep consuming: one bad poll must not end the worker
                    workers.report(source.name, f"{error.__class__.__name__}: {error}")
                    pause = min(5.0, pause * 2 or 0.1)
                    stop.wait(pause)
                else:
                    workers.report(source.name, None)
                    pause = 0.0
            workers.stopped(source.name)

        threads = [threading.Thread(target=loop, args=(s,), daemon=True, name=s.name) for s in self.sources]
        for thread in threads:
            workers.register(thread.name, thread.is_alive)
            thread.start()
        return threads


def http_server(app: Any, stage: str, host: str, port: int) -> Any:
    """Chalice's local HTTP server, with query strings left out of its access log: a network that
    signs nothing (Odnoklassniki) carries its token in the URL, and tokens must not reach logs."""
    from chalice.config import Config
    from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer

    class RedactingHandler(ChaliceRequestHandler):
        # Headers and body go out in two writes; with Nagle on, a keep-alive client waits for its
        # delayed ACK (~40 ms) on every request.
        disable_nagle_algorithm = True

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            # A request line over 64 KiB is refused (414) before `path` and `command` exist.
            raw = getattr(self, "path", "") or ""
            path = raw.split("?", 1)[0][:PATH_LOG_CHARS] + ("?…" if "?" in raw else "")
            self.log_message('"%s %s" %s %s', getattr(self, "command", "") or "-", path, str(code), str(size))

    if not isinstance(app, CustomLocalChalice):  # what chalice.local.create_local_server does, once
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    config = Config.create(app_name="mentiondesk", chalice_stage=stage)
    return LocalDevServer(app, config, host, port, handler_cls=RedactingHandler)


def start(host: str, port: int, moto_port: int, stage: str) -> tuple[Any, Any, threading.Event]:
    """Start moto, create the stack, then the HTTP server and the queue driver; returns handles."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    os.environ.update(aws_environment(f"http://127.0.0.1:{moto_port}", stage))
    create_resources(stage)
    seed_secrets(json.loads((HERE / "local-secrets.json").read_text()))
    if os.environ.get("LOCAL_RT_ENV"):
        seed_secrets(use_request_tracker(Path(os.environ["LOCAL_RT_ENV"])))

    from app import app

    server = http_server(app, stage, host, port)
    threading.Thread(target=server.serve_forever, daemon=True, name="http").start()
    stop = threading.Event()
    QueueDriver(app).serve(stop)
    return moto, server, stop


_STACK_ENV_PREFIXES = (
    "AWS_",
    "MENTION",
    "TICKETS_",
    "DESK_",
    "COUNTERS_",
    "CURSORS_",
    "SNAPSHOTS_",
    "VERDICTS_",
    "REPLIES_",
    "REPLY_",
    "ARTIFACTS_",
    "BRANDS_FILE",
)


@contextmanager
def running(
    port: int,
    moto_port: int,
    *,
    wait_seconds: float = 30,
    state_file: Path | None = None,
    log: Path | None = None,
    brands_file: Path | None = None,
) -> Iterator[str]:
    """`python -m infra.local` as a child process, answering `/health`; yields its base URL.

    The child gets this environment minus anything that would point it at other resources, and
    `brands_file` as its BRANDS_FILE when given. Its state file is `state_file`, or one in a
    temporary directory (never the `make run` one); its output goes to `log`, or is kept to explain
    a failed start.
    """
    import tempfile

    import requests

    env = {k: v for k, v in os.environ.items() if not k.startswith(_STACK_ENV_PREFIXES)}
    if brands_file is not None:
        env["BRANDS_FILE"] = str(brands_file)
    state = state_file or Path(tempfile.mkdtemp(prefix="mentiondesk-local-")) / "stack.json"
    log_file = log.open("a") if log else None
    command = [sys.executable, "-m", "infra.local", "--port", str(port), "--moto-port", str(moto_port)]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module, integer ports)
        [*command, "--state-file", str(state)],
        cwd=HERE.parent,
        env=env,
        stdout=log_file or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                said = process.stdout.read() if process.stdout else log.read_text() if log else ""
                raise RuntimeError(f"local stack did not start: {said[-2000:]}")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        for stream in (process.stdout, log_file):
            if stream:
                stream.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "5005")))
    parser.add_argument(
        "--state-file", type=Path, default=Path(os.environ.get("MENTIONDESK_LOCAL_STATE") or STATE_FILE)
    )
    args = parser.parse_args()
    stage = "local"
    moto, server, stop = start(args.host, args.port, args.moto_port, stage)
    url = f"http://{args.host}:{args.port}"
    environment = aws_environment(f"http://127.0.0.1:{args.moto_port}", stage)
    if os.environ.get("BRANDS_FILE"):
        environment["BRANDS_FILE"] = str(Path(os.environ["BRANDS_FILE"]).resolve())
    write_state(args.state_file, url, environment)
    print(f"mentiondesk local: {url}  (AWS APIs: moto on 127.0.0.1:{args.moto_port})", flush=True)
    print("operator commands: python -m functions.cli --local <command>  (e.g. dlq)", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.is_set():
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    remove_state(args.state_file)
    stop.set()
    server.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
