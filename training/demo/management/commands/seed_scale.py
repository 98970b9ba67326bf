from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from training.demo.scale import SIZES, seed_scale


class Command(BaseCommand):
    help = (
        "Grow the demo city to a benchmark size with bulk inserts (run seed_demo first). "
        "Deterministic; a second run with the same size adds nothing."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--size", choices=sorted(SIZES), help="xs (the demo city), s 5 000, m 20 000, l 50 000 staff"
        )
        group.add_argument("--staff", type=int, help="total staff wanted")
        parser.add_argument(
            "--password",
            default=None,
            help="password of every generated login (default DEMO_PASSWORD); empty: unusable",
        )

    def handle(self, *args, size=None, staff=None, password=None, **options):
        total = SIZES[size] if size else staff
        if total is None or total < 0:
            raise CommandError("--staff must be a positive number")
        password = settings.DEMO_PASSWORD if password is None else password
        try:
            for line in seed_scale(staff=total, password=password):
                self.stdout.write(f"seed_scale: {line}")
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS("seed_scale: done"))
