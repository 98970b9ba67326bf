from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exams.bank_io import questions_import
from exams.formats.model import ImportFailed
from exams.models import QuestionBank
from training.org.choices import Level
from training.org.models import BusinessArea


class Command(BaseCommand):
    help = "Import questions into a bank (xlsx, CSV, GIFT, Aiken, Moodle XML). Any error: nothing imported, exit 1."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--area", required=True, help="business area code, e.g. unemployment")
        parser.add_argument("--level", default=Level.BASIC, choices=[c.value for c in Level])
        parser.add_argument("--format", dest="fmt", choices=["xlsx", "csv", "gift", "aiken", "moodlexml"])
        parser.add_argument("--bank-title", default="", help="title of the bank (default: area and level)")

    def handle(self, path, area, level, fmt, bank_title, **options):
        try:
            area_obj = BusinessArea.objects.get(code=area)
        except BusinessArea.DoesNotExist:
            raise CommandError(f"unknown business area {area!r}") from None
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        title = bank_title or f"{area_obj.name}{Level(level).label}题库"
        try:
            # The bank is created in the same transaction: a failed import leaves no empty bank.
            with transaction.atomic():
                bank, _ = QuestionBank.objects.get_or_create(area=area_obj, level=level, title=title)
                created = questions_import(bank=bank, data=data, filename=path, fmt=fmt)
        except ImportFailed as failed:
            for issue in failed.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"{len(failed.issues)} problem(s); nothing was imported") from None
        self.stdout.write(self.style.SUCCESS(f"imported {len(created)} questions into “{bank.title}”"))
