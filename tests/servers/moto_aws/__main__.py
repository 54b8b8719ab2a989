"""moto's server with the bridges of `tests/servers/moto_aws/bridges.py`, for the deploy rehearsal.

    python -m tests.servers.moto_aws PORT

Runs in its own process so the bridges never touch the moto server the other tests share.
"""

from __future__ import annotations

import sys
import threading

from tests.servers.moto_aws.bridges import apply


def main(argv: list[str]) -> int:
    from moto.server import ThreadedMotoServer

    apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(argv[0]), verbose=False)
    server.start()
    print(f"moto (bridged) on 127.0.0.1:{argv[0]}", flush=True)
    try:
        threading.Event().wait()  # serve until killed
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
