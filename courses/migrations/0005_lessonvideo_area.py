import django.db.models.deletion
from django.db import migrations, models


def trainers_manage_videos(apps, schema_editor):
    """An existing "Trainers" group gets what new ones get (training.org.services.trainer_group_ensure):
    uploading and changing lesson videos, limited to each trainer's areas by courses."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    group = Group.objects.filter(name="Trainers").first()
    root = Collection.objects.filter(depth=1).first()
    if group is None or root is None:
        return  # a new database: the group is made with these permissions when first needed
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailmedia", codename__in=("add_media", "change_media")
    ):
        GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_root_page_title"),
        ("org", "0006_job_recovery"),
        ("wagtailmedia", "0005_alter_media_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="lessonvideo",
            name="area",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="videos",
                to="org.businessarea",
                verbose_name="business area",
            ),
        ),
        migrations.RunPython(trainers_manage_videos, migrations.RunPython.noop),
    ]
