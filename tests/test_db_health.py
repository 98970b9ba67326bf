"""PostgreSQL: the connection health check asks the socket, and the server only when the socket
has something to say. A connection the server ended is found unusable and replaced; a healthy
one is checked without a statement."""

import time

from django.db import connection, connections

import pytest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's health check"),
]


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


@pytest.fixture
def other():
    """A second connection to the same database, as a web process holds one between requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def test_a_healthy_connection_is_checked_without_a_statement(other):
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), '健康检查'")
        pid, _ = cursor.fetchone()
    assert other.is_usable()
    assert "健康检查" in _last_statement(pid)  # nothing was sent since: no SELECT 1


def test_a_connection_the_server_ended_is_found_unusable_and_replaced(other):
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    for _ in range(50):  # the server's goodbye reaches the socket
        if not other.is_usable():
            break
        time.sleep(0.02)
    assert not other.is_usable()
    other.health_check_enabled, other.health_check_done = True, False
    other.close_if_health_check_failed()
    assert other.connection is None
    with other.cursor() as cursor:  # the next request's query opens a new connection
        cursor.execute("SELECT '新连接'")
        assert cursor.fetchone() == ("新连接",)
