from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from training.accounts.twofactor import two_factor_reset


class Command(BaseCommand):
    help = (
        "Turn off two-factor login for a person who lost their phone and backup codes "
        "(重置双因素登录); audited as 2fa.reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", default="", help="Why (kept in the audit record).")

    def handle(self, *args, username, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No login named {username!r}.")
        count = two_factor_reset(user=user, reason=reason)
        self.stdout.write(
            f"{username}: {count} device(s) removed; two-factor login is off until set up again."
        )
