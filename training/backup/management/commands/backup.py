from django.core.management.base import BaseCommand

from training.backup.services import backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded media into one .tar.gz (default var/backups/)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the archive to write")
        parser.add_argument("--no-media", action="store_true", help="the database only")

    def handle(self, *args, **options):
        path = backup_create(output=options["output"], media=not options["no_media"])
        self.stdout.write(self.style.SUCCESS(f"backup written: {path}"))
