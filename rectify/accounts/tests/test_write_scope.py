"""The write scope: an office grant writes in its subtree; a read-only grant elsewhere adds nothing."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.accounts.scope import (
    WriteScopeRefused,
    check_assignable_units,
    check_writable_region,
    region_scope,
    writable_regions,
    writable_units,
)
from rectify.regions.models import Region


@pytest.fixture
def mixed(world: SimpleNamespace) -> User:
    """Office of 城区 (A), leader (read only) of 太原市 (B)."""
    user = User.objects.create_user(username="mixed", password="x")
    RoleGrant.objects.create(user=user, role=Role.OFFICE, region=world.county)
    RoleGrant.objects.create(user=user, role=Role.LEADER, region=world.other_city)
    return user


def test_read_scope_is_wider_than_write_scope(world: SimpleNamespace, mixed: User) -> None:
    readable = set(Region.objects.filter(region_scope(mixed)))
    assert world.other_city in readable and world.county in readable
    assert list(writable_regions(mixed)) == [world.county]


def test_units_writable_are_those_of_the_subtree_and_above(world: SimpleNamespace, mixed: User) -> None:
    units = set(writable_units(mixed))
    assert {world.unit_county_env, world.unit_county_gov, world.unit_city_env, world.unit_province_office} <= units
    assert world.unit_other_env not in units
    assert world.unit_county2_gov not in units  # a sibling county's unit


def test_checks_refuse_with_chinese_messages(world: SimpleNamespace, mixed: User) -> None:
    check_writable_region(mixed, world.county)
    with pytest.raises(WriteScopeRefused, match="太原市"):
        check_writable_region(mixed, world.other_city)
    check_assignable_units(mixed, [world.unit_county_env, world.unit_city_env])
    with pytest.raises(WriteScopeRefused, match="太原市生态环境局"):
        check_assignable_units(mixed, [world.unit_county_env, world.unit_other_env])


@pytest.mark.parametrize("name", ["leader", "reviewer", "lead_unit", "county_unit", "nobody"])
def test_read_only_roles_write_nowhere(world: SimpleNamespace, name: str) -> None:
    user: Any = getattr(world, name)
    assert not writable_regions(user).exists()
    assert not writable_units(user).exists()


def test_admin_writes_everywhere(world: SimpleNamespace) -> None:
    assert writable_regions(world.admin).count() == Region.objects.count()
