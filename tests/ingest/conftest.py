"""Fixtures for the ingestion tests."""

from __future__ import annotations

import os

import pytest
from support import DATASETS

REAL_LOG = str(DATASETS / "elastic-apache-logs" / "apache_logs")


@pytest.fixture
def apache_log_path() -> str:
    """The real Apache log shipped with the shared datasets, or a loud skip."""
    path = REAL_LOG
    if not os.path.exists(path):
        pytest.skip(f"REAL-DATA TEST SKIPPED: {path} is missing (shared datasets not mounted)")
    return path
