"""Facts the org app announces to the apps above it (sent after commit, see README: Architecture).

``staff_changed``: staff were created or changed unit in bulk, without ``Staff.save()`` (roster
import); ``staff_ids`` lists them. Receivers should queue their own work, never do it inline.
"""

from django.dispatch import Signal

staff_changed = Signal()
