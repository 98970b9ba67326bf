"""Backup and restore of database and media: a round trip gives back exactly what was saved, and a
damaged or mismatched archive is refused with nothing changed."""

import json
import tarfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

import pytest

from tests import factories
from training.backup.services import BackupError, backup_create, backup_restore
from training.competency.models import Certification
from training.competency.services import certification_issue
from training.org.models import OrgUnit, Staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _content_types_as_before():
    """A restore recreates content types under new ids; the rollback after the test brings the old
    ones back, so the process-wide cache must forget both."""
    from django.contrib.contenttypes.models import ContentType

    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def world(tree, people):
    factories.module(lessons=1)
    certification_issue(staff=people["learner"], area=factories.areas()["pension"], level="basic")
    default_storage.save("uploads/政策解读.txt", ContentFile("失业保险金申领条件".encode()))
    return {
        "staff": Staff.objects.count(),
        "units": OrgUnit.objects.count(),
        "certs": Certification.objects.count(),
    }


def test_round_trip_restores_rows_and_media_exactly(world, people, tmp_path):
    archive = backup_create(output=tmp_path / "b.tar.gz")
    # things change after the backup
    people["west_learner"].delete()
    factories.unit(parent=OrgUnit.objects.get(name="江川市"), name="新设区")
    default_storage.delete("uploads/政策解读.txt")
    manifest = backup_restore(path=archive)
    assert manifest["counts"]["org.staff"] == world["staff"]
    assert Staff.objects.count() == world["staff"] and Staff.objects.filter(name="李四").exists()
    assert OrgUnit.objects.count() == world["units"] and not OrgUnit.objects.filter(name="新设区").exists()
    assert Certification.objects.count() == world["certs"]
    with default_storage.open("uploads/政策解读.txt") as fh:
        assert fh.read().decode() == "失业保险金申领条件"
    # the restored logins work
    assert Staff.objects.get(name="张小明").user.check_password(factories.PASSWORD)


def test_a_damaged_archive_is_refused_and_nothing_changes(world, tmp_path):
    archive = backup_create(output=tmp_path / "b.tar.gz")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "data.json":
                data = data.replace("张小明".encode(), "王小明".encode())
            member.size = len(data)
            import io

            dst.addfile(member, io.BytesIO(data))
    factories.unit(parent=OrgUnit.objects.get(name="江川市"), name="新设区")
    with pytest.raises(BackupError, match="checksum"):
        backup_restore(path=damaged)
    assert OrgUnit.objects.filter(name="新设区").exists()
    with pytest.raises(BackupError, match="not a backup archive"):
        bad = tmp_path / "x.tar.gz"
        bad.write_bytes(b"not a tar")
        backup_restore(path=bad)


def test_an_archive_from_other_migrations_is_refused(world, tmp_path):
    archive = backup_create(output=tmp_path / "b.tar.gz", media=False)
    altered = tmp_path / "altered.tar.gz"
    import io

    with tarfile.open(archive) as src, tarfile.open(altered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"].append("org.9999_future")
                data = json.dumps(manifest).encode()
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="other migrations"):
        backup_restore(path=altered)


def test_the_commands(world, tmp_path):
    target = tmp_path / "cmd.tar.gz"
    call_command("backup", output=str(target), verbosity=0)
    assert target.exists()
    call_command("restore", str(target), yes=True, verbosity=0)
    assert Staff.objects.count() == world["staff"]
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.tar.gz"), yes=True)
