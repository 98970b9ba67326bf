import pytest

pytestmark = pytest.mark.django_db


def test_interface_is_chinese_by_default(client, people):
    client.force_login(people["learner"].user)
    response = client.get("/me/certificates/")
    assert '<html lang="zh-hans">' in response.text
    assert "我的证书" in response.text and "基层人社学堂" in response.text


def test_language_switch_to_english_and_back(client, people):
    client.force_login(people["learner"].user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/me/certificates/"})
    assert response.status_code == 302
    response = client.get("/me/certificates/")
    assert "My certificates" in response.text and "我的证书" not in response.text
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的证书" in client.get("/me/certificates/").text


def test_login_page_is_chinese(client, db):
    response = client.get("/accounts/login/")
    assert "登录" in response.text and "用户名" in response.text


def test_wagtail_admin_speaks_chinese_to_a_trainer(client, people):
    client.force_login(people["trainer"].user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "控制面板" in response.text  # Wagtail's own zh-hans catalogue: "Dashboard"


def test_chinese_login_credentials_and_names_work(client, tree):
    from tests import factories

    factories.staff(org_unit=tree["east_comm"], name="欧阳娜娜", password="密码-安全-2026")
    from training.org.models import Staff

    person = Staff.objects.get(name="欧阳娜娜")
    response = client.post(
        "/accounts/login/", {"username": person.user.username, "password": "密码-安全-2026"}
    )
    assert response.status_code == 302
    assert "欧阳娜娜" in client.get("/").text


def test_an_english_browser_still_gets_chinese_until_the_switch_is_used(client, people):
    client.force_login(people["learner"].user)
    response = client.get("/me/certificates/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "我的证书" in response.text
    assert response["Content-Language"] == "zh-hans"


# Our catalogue wins over Wagtail's for a msgid both have, so a word we translate for our own
# screens changes the Wagtail admin too. These overlaps were checked and read right in both places;
# anything else must not reuse one of Wagtail's msgids with another meaning.
SHARED_WITH_WAGTAIL_ON_PURPOSE = {
    "Document",
    "Form",
    "started at",
    "owner",
    "Format",
    "Page not found",
    "Log out",
    "All",
    "Filter",
    "Name",
    "History",
    "Previous",
    "Next",
    "Pages",
    "name",
    "description",
    "active",
    "Approve",
    "Approved",
    "Code",
    "Actions",
    "Action",
    "Reports",
    "Your username and password didn't match. Please try again.",
}


def test_our_catalogue_does_not_change_what_wagtail_admin_words_mean():
    import glob
    from pathlib import Path

    from django.conf import settings

    import wagtail

    from babel.messages.pofile import read_po

    with open(Path(settings.BASE_DIR) / "training/locale/zh_Hans/LC_MESSAGES/django.po", "rb") as fh:
        ours = read_po(fh)
    theirs = {}
    pattern = str(Path(wagtail.__file__).parent / "**/locale/zh_Hans/LC_MESSAGES/django.po")
    for path in glob.glob(pattern, recursive=True):
        with open(path, "rb") as fh:
            catalogue = read_po(fh)
        for m in catalogue:
            if isinstance(m.id, str) and m.id and m.string:
                theirs.setdefault((m.context, m.id), m.string)
    clashes = sorted(
        m.id
        for m in ours
        if isinstance(m.id, str)
        and (m.context, m.id) in theirs
        and theirs[(m.context, m.id)] != m.string
        and m.id not in SHARED_WITH_WAGTAIL_ON_PURPOSE
    )
    assert clashes == []
