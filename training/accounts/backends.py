"""Django's ModelBackend, with the one query every signed-in request makes compiled only once.

On every request with a session, ``django.contrib.auth`` reads the user row by primary key
(``ModelBackend.get_user``). Building and compiling that ORM query costs more than running it
(figures in bench/RESULTS.md), and it is the same statement each time, so it
is compiled once per process (``training.compiled``). The row is still read on every request: a
deactivated user, a changed password (the session hash) or new permissions count at once.
"""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model

from training.compiled import Compiled

_by_pk = Compiled(lambda pk: get_user_model()._default_manager.filter(pk=pk), size=4)


def user_by_pk(pk):
    """The user with this primary key, as ``_default_manager.get(pk=pk)`` finds it, or None."""
    found = _by_pk.instances(pk)
    return found[0] if found else None


class ModelBackend(backends.ModelBackend):
    """``django.contrib.auth.backends.ModelBackend``; only ``get_user`` runs a precompiled query."""

    def get_user(self, user_id):
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
