"""The demo city's learning content: one entry per business area, in catalogue order."""

from .content_areas_1 import AREAS as _AREAS_1
from .content_areas_2 import AREAS as _AREAS_2

AREAS = [*_AREAS_1, *_AREAS_2]
