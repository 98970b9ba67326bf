from django.core.management.base import BaseCommand

from training.demo.generators import DEMO_LOGINS, seed_all


class Command(BaseCommand):
    help = "Build the demo city (idempotent: a second run finds everything in place and changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has staff."
        )

    def handle(self, *args, **options):
        from django.conf import settings

        from training.org.models import Staff

        if options["if_empty"] and Staff.objects.exists():
            self.stdout.write("seed_demo: database already has data, left as it is")
            return
        for line in seed_all():
            self.stdout.write(f"seed_demo: {line}")
        self.stdout.write(
            self.style.SUCCESS(f"seed_demo: done. Demo logins (password {settings.DEMO_PASSWORD}):")
        )
        for username, _, description in DEMO_LOGINS:
            self.stdout.write(f"  {username:<14} {description}")
