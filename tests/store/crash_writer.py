"""A process writing to the store heavily until it is killed (the crash test): RATE requests
a second, each a decision and a disclosure.

    python crash_writer.py URL FLUSH_INTERVAL RATE

Each decision's time is the wall-clock time it was recorded, its score its sequence number.
"""

from __future__ import annotations

import sys
import time

from scrapeguard.engine import Decision
from scrapeguard.events import Disclosure
from scrapeguard.store import Store


def main() -> None:
    url, interval, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    store = Store(url, flush_interval=interval)
    print("ready", flush=True)
    seq = 0
    started = time.time()
    while True:
        now = time.time()
        store.record_decision(
            Decision(
                "block",
                "ip",
                f"ip:203.0.113.{seq % 250}",
                60.0,
                "threshold/block",
                (),
                seq,
                False,
                "block",
                now,
            )
        )
        store.record_disclosure(
            [f"ip:203.0.113.{seq % 250}"], now, [Disclosure(f"u{seq}", ("name",))]
        )
        seq += 1
        ahead = seq / rate - (time.time() - started)
        if ahead > 0:
            time.sleep(ahead)


if __name__ == "__main__":
    main()
