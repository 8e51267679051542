"""scrapeguard: protect the public personal data on a site from unlawful mass scraping.

The public API is what `__all__` lists; everything else is private and may change.
"""

from __future__ import annotations

from .engine import Decision, Guard
from .errors import ConfigError, ScrapeguardError
from .events import Disclosure, RequestEvent
from .integrations.inline import Inline, Protection, protection
from .integrations.loading import build_inline
from .policy import Policy, load_policy
from .site import SiteModel, load_site

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Decision",
    "Disclosure",
    "Guard",
    "Inline",
    "Policy",
    "Protection",
    "RequestEvent",
    "ScrapeguardError",
    "SiteModel",
    "__version__",
    "build_inline",
    "load_policy",
    "load_site",
    "protection",
]
