"""Login names without ID digits: the staff number (工号) where the roster has one, else "u" + a
sequence number handed out once each, even to imports running at the same moment; the data
migration renames the old "r" + ID-digits logins and tells each person the new name."""

import threading

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

import pytest

from tests import factories
from training.notify.models import Notification
from training.org.login_names import LOGIN_NAME_COUNTER, counter_take, shares_id_digits
from training.org.models import AuditEvent, Counter, Staff
from training.org.roster import HEADERS, STAFF_NUMBER, RosterInvalid, roster_import

from .conftest import id_number, roster_bytes

User = get_user_model()
WITH_NUMBER = (*HEADERS, STAFF_NUMBER)


def _row(tree, name, number, staff_number=None):
    row = [tree["east_comm"].code, name, number, "13800138000", "经办员", "专职", ""]
    return row if staff_number is None else [*row, staff_number]


def _login_of(number: str) -> str:
    return Staff.objects.select_related("user").get(id_number=number).user.username


def _errors(data: bytes) -> list[str]:
    users, staff = User.objects.count(), Staff.objects.count()
    with pytest.raises(RosterInvalid) as caught:
        roster_import(data=data, filename="花名册.xlsx")
    assert (User.objects.count(), Staff.objects.count()) == (users, staff), "nothing may be imported"
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.django_db
def test_staff_number_is_the_login_name_else_the_next_sequence_number(tree):
    a, b, c = id_number(), id_number(), id_number()
    data = roster_bytes(
        [
            _row(tree, "欧阳娜娜", a, "DH0012"),
            _row(tree, "王小二", b, ""),
            _row(tree, "李晓", c, "ＤＨ－００１３"),
        ],
        headers=WITH_NUMBER,
    )
    summary = roster_import(data=data, filename="东湖区花名册.xlsx")
    assert summary.usernames == {a: "DH0012", b: "u1", c: "DH-0013"}
    assert [_login_of(n) for n in (a, b, c)] == ["DH0012", "u1", "DH-0013"]
    assert not User.objects.get(username="u1").has_usable_password()
    d = id_number()
    roster_import(data=roster_bytes([_row(tree, "赵钱", d)]), filename="三月.xlsx")  # no 工号 column
    assert _login_of(d) == "u2"
    assert Counter.objects.get(name=LOGIN_NAME_COUNTER).last == 2
    for number in (a, b, c, d):
        assert not shares_id_digits(_login_of(number), number)


@pytest.mark.django_db
def test_staff_number_problems_are_reported_by_row_and_column(tree):
    a, b, c, d = id_number(), id_number(), id_number(), id_number()
    data = roster_bytes(
        [
            _row(tree, "张三", a, "工号一"),
            _row(tree, "李四", b, b[-8:]),
            _row(tree, "王五", c, "dh7"),
            _row(tree, "赵六", d, "DH7"),
        ],
        headers=WITH_NUMBER,
    )
    assert _errors(data) == [
        "第 2 行，工号（H 列）：“工号一”无效：工号用作登录名，只能由字母、数字和 . _ - 组成，最多 30 个字符",
        "第 3 行，工号（H 列）：含有身份证号中连续 6 位以上的数字：工号用作登录名，会在身份证号被遮盖的地方显示，"
        "请改填其他工号或留空（留空则自动编号）",
        "第 5 行，工号（H 列）：与第 4 行重复",
    ]


@pytest.mark.django_db
def test_a_staff_number_an_account_already_uses_is_refused(tree):
    User.objects.create(username="dh0012")
    data = roster_bytes(
        [_row(tree, "张三", id_number(), ""), _row(tree, "李四", id_number(), "DH0012")], headers=WITH_NUMBER
    )
    assert _errors(data) == [
        "第 3 行，工号（H 列）：“DH0012”已是另一个账号的登录名：工号用作登录名，请核对后改填或留空（留空则自动编号）"
    ]


@pytest.mark.django_db
def test_a_known_person_keeps_their_login_name(tree):
    a = id_number()
    roster_import(data=roster_bytes([_row(tree, "欧阳娜娜", a)]), filename="一月.xlsx")
    again = roster_bytes([_row(tree, "欧阳娜娜", a, "DH0012")], headers=WITH_NUMBER)
    summary = roster_import(data=again, filename="二月.xlsx")
    assert (summary.created, summary.unchanged) == (0, 1)
    assert _login_of(a) == "u1"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_imports_at_the_same_moment_never_get_the_same_number():
    taken: list[list[int]] = []
    start = threading.Barrier(4)

    def take():
        try:
            start.wait()
            for _ in range(5):
                with transaction.atomic():
                    taken.append(list(counter_take(name=LOGIN_NAME_COUNTER, count=7)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [n for block in taken for n in block]
    assert len(taken) == 20 and sorted(numbers) == list(range(1, 141))


@pytest.mark.django_db
def test_a_rolled_back_import_gives_its_numbers_back(tree):
    bad = roster_bytes(
        [_row(tree, "张三", id_number(), ""), _row(tree, "李四", id_number(), "dh1")], headers=WITH_NUMBER
    )
    User.objects.create(username="DH1")
    _errors(bad)
    c = id_number()
    roster_import(data=roster_bytes([_row(tree, "王五", c)]), filename="x.xlsx")
    assert _login_of(c) == "u1"


# --- the data migration ------------------------------------------------------------------------

MIGRATION = ("accounts", "0002_login_names_without_id_digits")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_renames_id_digit_logins_and_tells_each_person(client, tree):
    _migrate(("accounts", "0001_initial"))
    people = {}
    for key, name in (
        ("plain", "欧阳娜娜"),
        ("suffixed", "王小二"),
        ("x", "李晓"),
        ("other", "赵钱"),
        ("chosen", "孙李"),
    ):
        person = factories.staff(org_unit=tree["east_comm"], name=name)
        number = id_number()
        if key == "x":
            first17 = number[:17]
            number = next(
                f"{first17[:14]}{n:03d}X" for n in range(1000) if _check(f"{first17[:14]}{n:03d}") == "X"
            )
        login = {
            "plain": "r" + number[-8:].lower(),
            "suffixed": "r" + number[-8:].lower() + "-2",
            "x": "r" + number[-8:].lower(),
            "other": "r" + id_number()[-8:].lower(),  # the shape, but not this person's ID number
            "chosen": "孙李-station",
        }[key]
        Staff.objects.filter(pk=person.pk).update(id_number=number)
        User.objects.filter(pk=person.user_id).update(username=login)
        people[key] = (person.user_id, login)
    User.objects.create(username="u2")  # made by hand: skipped
    plain_id = people["plain"][0]
    client.force_login(User.objects.get(pk=plain_id))  # signed in before the upgrade

    _migrate(MIGRATION)

    logins = {key: User.objects.get(pk=uid).username for key, (uid, _) in people.items()}
    assert logins == {
        "plain": "u1",
        "suffixed": "u3",
        "x": "u4",
        "other": people["other"][1],
        "chosen": "孙李-station",
    }
    assert Counter.objects.get(name=LOGIN_NAME_COUNTER).last == 4
    told = Notification.objects.filter(kind="login_renamed").order_by("recipient_id")
    assert [(n.recipient_id, n.title) for n in told] == [
        (people[key][0], "您的登录名已更改") for key in ("plain", "suffixed", "x")
    ]
    body = told.get(recipient_id=plain_id).body
    assert "您的登录名已改为：u1" in body and "密码不变" in body
    assert people["plain"][1] not in body  # the old name carried the digits
    assert sorted(AuditEvent.objects.filter(action="account.rename").values_list("target", flat=True)) == [
        "u1",
        "u3",
        "u4",
    ]
    # the password and the session are the same
    assert (
        client.get("/notifications/").status_code == 200
        and "您的登录名已更改" in client.get("/notifications/").text
    )
    client.logout()
    assert (
        client.post("/accounts/login/", {"username": "u1", "password": factories.PASSWORD}).status_code == 302
    )
    # once is enough: running it again renames nothing more
    _migrate(("accounts", "0001_initial"))
    _migrate(MIGRATION)
    assert Notification.objects.filter(kind="login_renamed").count() == 3
    assert User.objects.get(pk=plain_id).username == "u1"


def _check(first17: str) -> str:
    from training.org.roster import id_check_digit

    return id_check_digit(first17)


def test_shares_id_digits_looks_for_any_run_of_six():
    number = "36010219900101371X"
    assert shares_id_digits("0101371", number) and shares_id_digits("DH-199001", number)
    assert not shares_id_digits("DH-19900", number) and not shares_id_digits("20240001", number)
