"""Give Wagtail's tree root a Chinese title.

The root is created by Wagtail's own data migration with the title "Root", and the page explorer
shows it as it is stored ("Exploring: Root", the first breadcrumb). It is never served, so its
title is only an admin label.
"""

from django.db import migrations

ROOT_TITLE = "根目录"


def rename_root(apps, schema_editor):
    Page = apps.get_model("wagtailcore.Page")
    Page.objects.filter(depth=1, title="Root").update(title=ROOT_TITLE, draft_title=ROOT_TITLE)


def restore_root(apps, schema_editor):
    Page = apps.get_model("wagtailcore.Page")
    Page.objects.filter(depth=1, title=ROOT_TITLE).update(title="Root", draft_title="Root")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_verbose_names"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(rename_root, restore_root)]
