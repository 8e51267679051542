"""Optional compiled build of the engine's hot path.

`SCRAPEGUARD_COMPILE=1 pip install --no-build-isolation .` (with mypy installed) compiles the
modules below with mypyc: the same source, about twice as fast. Without it, or where no C
compiler is available, scrapeguard installs as plain Python. Everything else is in
pyproject.toml.
"""

import os

from setuptools import setup

#: The per-request path: what every event goes through inline and in replay.
COMPILED = [
    "events.py",
    "reasons.py",
    "site.py",
    "engine.py",
    "analyze.py",
    "state/actor.py",
    "state/memory.py",
    "state/popularity.py",
    "state/script.py",
    "state/shared.py",
    "detectors/__init__.py",
    "detectors/base.py",
    "detectors/account_farm.py",
    "detectors/automation.py",
    "detectors/breadth.py",
    "detectors/campaign.py",
    "detectors/enumeration.py",
    "detectors/goodbots.py",
    "detectors/long_tail.py",
    "detectors/model.py",
    "detectors/new_account.py",
    "detectors/origin.py",
    "detectors/timing.py",
    "detectors/traps.py",
    "detectors/volume.py",
    "learned/features.py",
    "learned/model.py",
    "ingest/base.py",
    "ingest/clf.py",
    "ingest/fields.py",
    "ingest/timeparse.py",
    "ingest/handoff.py",
    "netranges.py",
    "netinfo.py",
    "crawlers.py",
    "policy.py",
    "config.py",
    "enforce/lists.py",
    "enforce/breaker.py",
    "metrics.py",
    "integrations/clientaddr.py",
    "integrations/inline.py",
    "integrations/observe.py",
]


def ext_modules() -> list:
    """The mypyc extensions, when asked for."""
    if os.environ.get("SCRAPEGUARD_COMPILE") != "1":
        return []
    from mypyc.build import mypycify

    return mypycify([os.path.join("src", "scrapeguard", m) for m in COMPILED], opt_level="3")


setup(ext_modules=ext_modules())
