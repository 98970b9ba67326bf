"""Queries compiled once per process, run with new values: for the few statements that run on
nearly every request, where building and compiling the ORM query costs more than running it.

``Compiled(build)`` takes a function that builds the queryset from its variable values (and, if
given, ``shape=``: what changes the SQL text itself, such as the list of an ``IN``, kept as
constants of that plan). The first call for a shape builds it with probe numbers in place of the values, compiles it, and keeps the SQL, where
each probe sits among the parameters, the columns and their value converters; later calls only
run the SQL with the real values. Rows come back converted as the ORM converts them
(``rows``: tuples of a ``values_list``; ``instances``: model objects, as ``from_db`` makes them).

Django has no public API for this, and no maintained library does it (django-cachalot and the
like keep *results*, which would go stale); it is a small use of the compiler's documented parts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db import connections

from training.kept import Local

# Probe values: negative integers no id takes, within a 32-bit column's range (the ORM turns a
# value out of a column's range into "no rows" instead of a parameter). Values are integers.
_PROBE_BASE = -2_146_000_000


class _Plan:
    __slots__ = ("alias", "attnames", "converters", "model", "slots", "sql")

    def __init__(self, queryset, probes: list[int]):
        self.alias = queryset.db
        self.model = queryset.model
        compiler = queryset.query.get_compiler(self.alias)
        self.sql, params = compiler.as_sql()
        positions = {p: i for i, p in enumerate(probes)}
        # each parameter: ("value", index of the caller's value) or ("constant", the value)
        self.slots = [("value", positions[p]) if p in positions else ("constant", p) for p in params]
        if len([s for s in self.slots if s[0] == "value"]) != len(probes):
            raise ValueError("every value must appear once among the query's parameters")
        columns = [expression for expression, _, _ in compiler.select]
        self.attnames = [getattr(getattr(c, "target", None), "attname", None) for c in columns]
        self.converters = compiler.get_converters(columns)

    def run(self, values) -> list[tuple]:
        params = [values[x] if kind == "value" else x for kind, x in self.slots]
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in self.converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            out.append(tuple(row))
        return out


class Compiled:
    def __init__(self, build: Callable[..., object], *, size: int = 512):
        self.build = build
        self.plans = Local(size=size, expiring=False)

    def _plan(self, shape: Hashable, count: int) -> _Plan:
        key = (shape, count)
        plan = self.plans.get(key, None)
        if plan is None:
            probes = [_PROBE_BASE - i for i in range(count)]
            queryset = self.build(*probes) if shape is None else self.build(*probes, shape=shape)
            plan = _Plan(queryset, probes)
            self.plans.set(key, plan)
        return plan

    def rows(self, *values, shape: Hashable = None) -> list[tuple]:
        """The rows of the ``values_list`` query ``build(*values)`` would run."""
        return self._plan(shape, len(values)).run(values)

    def instances(self, *values, shape: Hashable = None) -> list:
        """The model objects the query ``build(*values)`` would return (all concrete fields)."""
        plan = self._plan(shape, len(values))
        return [plan.model.from_db(plan.alias, plan.attnames, row) for row in plan.run(values)]
