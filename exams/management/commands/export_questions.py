from django.core.management.base import BaseCommand, CommandError

from exams.bank_io import questions_export
from exams.models import QuestionBank


class Command(BaseCommand):
    help = "Export a question bank to xlsx, CSV, GIFT, Aiken or Moodle XML."

    def add_arguments(self, parser):
        parser.add_argument("bank_id", type=int)
        parser.add_argument("output")
        parser.add_argument(
            "--format", dest="fmt", required=True, choices=["xlsx", "csv", "gift", "aiken", "moodlexml"]
        )

    def handle(self, bank_id, output, fmt, **options):
        bank = QuestionBank.objects.filter(pk=bank_id).first()
        if bank is None:
            raise CommandError(f"no question bank {bank_id}")
        try:
            data = questions_export(bank=bank, fmt=fmt)
        except ValueError as error:  # e.g. Aiken cannot carry a multiple-choice question
            raise CommandError(str(error)) from None
        with open(output, "wb") as handle:
            handle.write(data)
        self.stdout.write(self.style.SUCCESS(f"exported {bank.questions.count()} questions to {output}"))
