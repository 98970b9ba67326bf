from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    """The four tiers of the network (市 → 区/县 → 街道/乡镇 → 社区/行政村)."""

    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community / village")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")


class Level(models.TextChoices):
    """Training and certification level (等级)."""

    BASIC = "basic", _("Basic")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


LEVEL_RANK = {Level.BASIC: 1, Level.INTERMEDIATE: 2, Level.ADVANCED: 3}


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TRAINER = "trainer", _("Trainer")
    SENIOR_TRAINER = "senior_trainer", _("Senior trainer (approves content)")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")
