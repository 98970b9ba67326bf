"""A refused unit move or merge says why in the interface language: Chinese by default, English
after the switch."""

from django.utils import translation

import pytest

from training.org.services import OrgTreeError, org_unit_merge, org_unit_move

pytestmark = pytest.mark.django_db


def test_a_refused_move_or_merge_explains_itself_in_chinese_and_in_english(tree, people):
    admin = people["admin"].user
    with pytest.raises(OrgTreeError) as refused:
        org_unit_move(unit=tree["east_comm"], parent=tree["west"], actor=admin)
    assert str(refused.value).endswith("之下：层级须逐级向下")
    assert f"“{tree['east_comm'].name}”（" in str(refused.value)
    with translation.override("en"), pytest.raises(OrgTreeError) as refused:
        org_unit_move(unit=tree["east"], parent=tree["east_street"], actor=admin)
    assert str(refused.value) == f"“{tree['east'].name}” cannot move under itself or one of its own units"
    with pytest.raises(OrgTreeError) as refused:
        org_unit_merge(source=tree["east"], target=tree["west_comm"], actor=admin)
    assert str(refused.value).startswith("只能合并同一层级的机构：")
    with translation.override("en"), pytest.raises(OrgTreeError) as refused:
        org_unit_merge(source=tree["east"], target=tree["west_comm"], actor=admin)
    assert str(refused.value).startswith("Only units of the same tier can merge:")
