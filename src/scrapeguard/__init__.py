"""scrapeguard: protect the public personal data on a site from unlawful mass scraping.

The public API is what `__all__` lists; everything else is private and may change.
"""

from __future__ import annotations

from .engine import Decision, Guard
from .errors import ConfigError, ScrapeguardError
from .events import Disclosure, RequestEvent
from .policy import Policy, load_policy
from .site import SiteModel, load_site

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Decision",
    "Disclosure",
    "Guard",
    "Policy",
    "RequestEvent",
    "ScrapeguardError",
    "SiteModel",
    "__version__",
    "load_policy",
    "load_site",
]
