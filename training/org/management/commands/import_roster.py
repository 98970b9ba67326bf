from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from training.org.roster import RosterInvalid, roster_import


class Command(BaseCommand):
    help = (
        "Import a staff roster (.xlsx or .csv on the template: 机构, 姓名, 身份证号, 手机号, 岗位, 用工性质, 主攻领域). "
        "People are matched by ID number. Any error: nothing imported, every error on stderr, exit 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--actor", default="", help="username recorded as having run the import")

    def handle(self, path, actor, **options):
        actor_user = None
        if actor:
            try:
                actor_user = get_user_model().objects.get_by_natural_key(actor)
            except get_user_model().DoesNotExist:
                raise CommandError(f"unknown user {actor!r}") from None
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            summary = roster_import(data=data, filename=path, actor=actor_user)
        except RosterInvalid as invalid:
            for issue in invalid.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"{path}：{len(invalid.issues)} 处问题，未导入任何数据") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {summary.rows} 行；新增 {summary.created}，更新 {summary.updated}，"
                f"调动 {summary.transferred}，未变 {summary.unchanged}（审计记录 #{summary.audit_event_id}）"
            )
        )
