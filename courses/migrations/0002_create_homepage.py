"""Replace Wagtail's welcome page with our home page and make the site login-only.

Wagtail's project template does the same in a data migration, so that a fresh database already
serves the product's home page.
"""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("courses.HomePage")
    PageViewRestriction = apps.get_model("wagtailcore.PageViewRestriction")
    Locale = apps.get_model("wagtailcore.Locale")

    Page.objects.filter(id=2, slug="home").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="courses")
    locale = Locale.objects.first()
    home = HomePage.objects.create(
        title="基层人社学堂",
        draft_title="基层人社学堂",
        slug="home",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "基层人社学堂"},
    )
    # Staff training material is not public: every page below the root asks for a login.
    PageViewRestriction.objects.create(page=home, restriction_type="login")


def remove_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    HomePage = apps.get_model("courses.HomePage")
    HomePage.objects.filter(slug="home", depth=2).delete()
    ContentType.objects.filter(model="homepage", app_label="courses").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
