"""Django's PostgreSQL backend, with a connection health check that costs no round trip.

With persistent connections, ``CONN_HEALTH_CHECKS`` makes Django send ``SELECT 1`` before the
first query of every request, so that a connection the server has ended (a restart, a failover,
an idle timeout, ``pg_terminate_backend``) is replaced instead of failing the request. That is a
round trip per request, and a wake-up of the server process (figures in bench/RESULTS.md).

A server that ends a connection says so on the socket: it sends its FATAL message and closes, so
the idle connection becomes readable. An idle, healthy connection has nothing to read. So the
check first asks the operating system, without waiting, whether the socket is readable; only
then (or when the connection is not idle) does it run Django's ``SELECT 1``. A path that dies
without a word (a cable, a firewall dropping state) is not seen by either check before the
query itself times out.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base

from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            ready = poller.poll(0)
        except (OSError, ValueError):
            return super().is_usable()
        return True if not ready else super().is_usable()
