from django.core.management.base import BaseCommand, CommandError

from training.backup.services import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database and media with a backup archive's (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="do not ask; everything now here is replaced")

    def handle(self, *args, **options):
        if not options["yes"]:
            answer = input("Everything in this database and media will be replaced. Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("restore cancelled")
        try:
            manifest = backup_restore(path=options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {total} rows and {manifest['media']} media files from {manifest['created_at']}"
            )
        )
