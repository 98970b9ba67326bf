"""Django's Redis cache backend, keeping its Redis client object instead of making one per call.

Django 5.2's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation, and redis-py 8 fills a case-insensitive table of ~170 response callbacks in each new
one, a large share of a lesson page's CPU (figures in bench/RESULTS.md). A client
object is safe to share (it borrows a connection from the pool per command, and the pool checks
the process id, so a forked worker opens its own), so one per pool is kept. Nothing
else changes: same keys, same serializer, same pools. (django-redis does the same, but with its
own keys, options and serializer; this keeps Django's backend and only this one method.)
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
