"""Every state test runs against `memory://` and against real Redis deployments started on
loopback: one server (`redis://`), one over TLS (`rediss://`), a primary behind a Sentinel
(`redis+sentinel://`) and a three-node cluster (`redis+cluster://`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from redis_server import RedisClusterServers, RedisSentinel, RedisServer, RedisTLS


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole session; tests keep apart by key prefix."""
    server = RedisServer(tmp_path_factory.mktemp("redis"), "--enable-debug-command", "yes")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisSentinel]:
    """A primary and its Sentinel for the whole session."""
    deployment = RedisSentinel(tmp_path_factory.mktemp("sentinel"))
    deployment.start()
    yield deployment
    deployment.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServers]:
    """A three-node Redis Cluster for the whole session."""
    cluster = RedisClusterServers(tmp_path_factory.mktemp("cluster"))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisTLS]:
    """A TLS-only redis-server for the whole session (`rediss://`)."""
    server = RedisTLS(tmp_path_factory.mktemp("tls"))
    server.start()
    yield server
    server.stop()


DEPLOYMENTS = {
    "redis": "redis_server",
    "tls": "redis_tls",
    "sentinel": "redis_sentinel",
    "cluster": "redis_cluster",
}


def unique_prefix(url: str) -> str:
    """`url` with a key prefix of its own, so that tests sharing a server keep apart."""
    return f"{url}{'&' if '?' in url else '?'}prefix=t{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["memory", *DEPLOYMENTS])
def state_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty state of each backend."""
    if request.param == "memory":
        return "memory://"
    return unique_prefix(request.getfixturevalue(DEPLOYMENTS[request.param]).url)
