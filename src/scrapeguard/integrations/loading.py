"""Build the inline protection of a web app from one config file (or from defaults)."""

from __future__ import annotations

import atexit
import os
from dataclasses import replace

from ..config import Document, collect, load_document, load_file
from ..enforce.settings import EnforceSettings, enforce_from_document
from ..engine import Guard
from ..errors import ConfigError
from ..policy import Policy, policy_from_document
from ..site import SiteModel, site_from_document
from ..state import MemoryState, open_state
from .inline import Inline

#: Read when no config path is given.
CONFIG_ENV = "SCRAPEGUARD_CONFIG"


def build_inline(config: str | None = None, can_wait: bool = False) -> Inline:
    """An `Inline` for the config file at `config` (else `$SCRAPEGUARD_CONFIG`, else the
    defaults: default site model, shadow-mode policy, memory state).

    Every error in the file is reported at once as a `ConfigError`: a broken config stops the
    app at start-up, never at a visitor's request.
    """
    path = config or os.environ.get(CONFIG_ENV)
    doc = load_file(path) if path else load_document("{}", "(defaults)")
    site, policy, settings, state_url = read_config(doc)
    guard = Guard(site, policy, state=open_state_of(doc, state_url))
    url = store_of(doc)
    store = None
    if url is not None:
        from ..store import Store
        from ..store.privacy import retention_from_document

        store = Store(
            url,
            retention=retention_from_document(doc),
            purge_every=86400.0,
            wait_for_database=True,  # the site serves whether or not its store is up
        )
        store.sync_partners(policy.partners)
        atexit.register(store.close)  # what is queued is written when the app stops
    return Inline(guard, settings, can_wait=can_wait, store=store)


def store_of(doc: Document) -> str | None:
    """The store URL of `doc` (`store: sqlite:///scrapeguard.db`), if it has one."""
    if isinstance(doc.data, dict) and doc.data.get("store") is not None:
        url = doc.data["store"]
        if not isinstance(url, str):
            raise ConfigError([f"{_at(doc, 'store')}: store: must be a database URL such as "
                               "sqlite:///scrapeguard.db or postgresql://host/db"])  # fmt: skip
        return url
    return None


def read_config(doc: Document) -> tuple[SiteModel, Policy, EnforceSettings, str]:
    """The site model, policy, enforce settings and state URL of `doc`, all errors at once."""
    errors: list[str] = []
    site, policy, settings = SiteModel.default(), Policy(), EnforceSettings()
    data = doc.data if isinstance(doc.data, dict) else {}
    if data.get("site") is not None or data.get("network") is not None:
        read = collect(errors, site_from_document, doc)
        if read is not None and data.get("site") is None:  # the default routes, this network
            read = replace(
                site, trusted_proxies=read.trusted_proxies, shared_ranges=read.shared_ranges
            )
        site = read or site
    policy = collect(errors, policy_from_document, doc) or policy
    settings = collect(errors, enforce_from_document, doc) or settings
    if data.get("retention") is not None:  # checked now, not when the store first purges
        from ..store.privacy import retention_from_document

        collect(errors, retention_from_document, doc)
    state_url = "memory://"
    if data.get("state") is not None:
        if isinstance(data["state"], str):
            state_url = data["state"]
        else:
            errors.append(
                f"{_at(doc, 'state')}: state: must be a URL such as memory:// or redis://"
            )
    if errors:
        raise ConfigError(unique(errors))
    return site, policy, settings, state_url


def open_state_of(doc: Document, url: str) -> MemoryState:
    """`open_state(url)` for the `state:` of `doc`, its errors given the file and line."""
    try:
        return open_state(url)
    except ConfigError as exc:
        raise ConfigError([f"{_at(doc, 'state')}: {m}" for m in exc.messages]) from None


def _at(doc: Document, key: str) -> str:
    """`file:line` of the top-level `key` of `doc`, as messages begin."""
    return f"{doc.source}:{doc.line((key,))}"


def unique(messages: list[str]) -> list[str]:
    """`messages` without repeats: the checks of several sections may find the same mistake
    (a top level that is not a mapping, an unknown section)."""
    return list(dict.fromkeys(messages))
