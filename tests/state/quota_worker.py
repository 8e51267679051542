"""One worker process of the consistency test: the same account views `count` distinct
profiles from this process, starting at a shared wall-clock time; prints how many were allowed.

    python quota_worker.py STATE_URL WORKER COUNT LIMIT START_AT
"""

from __future__ import annotations

import sys
import time

from scrapeguard.config import load_document
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.events import RequestEvent
from scrapeguard.policy import policy_from_document
from scrapeguard.state import open_state


def main() -> None:
    url, worker, count, limit, start_at = sys.argv[1:6]
    quota = f"{{people_per_hour: {{limit: {limit}, then: block}}}}"
    policy = policy_from_document(
        load_document(
            f"policy: {{mode: enforce, limits: {quota}, detectors: {{model: false}}}}", "quota.yaml"
        )
    )
    state = open_state(url)
    guard = Guard(policy=policy, state=state, network=NoNetworkInfo())
    while time.time() < float(start_at):
        time.sleep(0.001)
    allowed = 0
    t0 = 1_767_225_600.0
    for i in range(int(count)):
        event = RequestEvent(
            t0 + i, "198.51.100.7", path=f"/u/w{worker}-{i}", account="shared-account"
        )
        if guard.decide(event).enforced == "allow":
            allowed += 1
    state.close()
    print(allowed)


if __name__ == "__main__":
    main()
