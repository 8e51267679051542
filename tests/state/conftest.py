"""Every state test runs against `memory://` and against real Redis deployments started on
loopback: one server (`redis://`), a primary behind a Sentinel (`redis+sentinel://`) and a
three-node cluster (`redis+cluster://`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from redis_server import RedisClusterServers, RedisSentinel, RedisServer


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


DEPLOYMENTS = {"redis": "redis_server", "sentinel": "redis_sentinel", "cluster": "redis_cluster"}


@pytest.fixture(params=["memory", *DEPLOYMENTS])
def state_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty state of each backend."""
    if request.param == "memory":
        return "memory://"
    deployment = request.getfixturevalue(DEPLOYMENTS[request.param])
    return f"{deployment.url}?prefix=t{uuid.uuid4().hex[:12]}"
