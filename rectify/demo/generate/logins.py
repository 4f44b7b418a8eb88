"""One login per role, over a province, city and county that hold generated tasks."""
from __future__ import annotations

from django.contrib.auth.hashers import make_password

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core.fill import Context, register
from rectify.regions.models import Region, Unit
from rectify.tasks.models import Assignment, Task

PASSWORD = "Rectify-2026"


def _user(username: str, name: str, role: str, *, region: Region | None = None, unit: Unit | None = None,
          superuser: bool = False, hashed: str) -> User:
    user = User.objects.create_user(username=username, password=None, last_name=name[0], first_name=name[1:],
                                    unit=unit, is_staff=superuser, is_superuser=superuser)
    user.password = hashed  # hashed once for all: a PBKDF2 hash takes about a second of CPU
    user.save(update_fields=["password"])
    RoleGrant.objects.create(user=user, role=role, region=region, unit=unit if role in {Role.LEAD_UNIT, Role.RESPONSIBLE_UNIT} else None)
    return user


def _region_with_tasks(level: str, under: Region | None) -> Region | None:
    tasks = Task.objects.filter(region__level=level)
    if under is not None:
        tasks = tasks.filter(region__path__startswith=under.path)
    # The last region by code: its tasks come last in the ledger's plan order (the worst case for a scoped page).
    region_id = tasks.order_by("-region__code").values_list("region_id", flat=True).first()
    return Region.objects.filter(pk=region_id).first() if region_id else None


@register(30, "各角色账号")
def fill_logins(ctx: Context) -> None:
    province = _region_with_tasks(Region.Level.PROVINCE, None) or ctx.data["provinces"][0]
    city = _region_with_tasks(Region.Level.CITY, province) or Region.objects.filter(parent=province).first()
    county = _region_with_tasks(Region.Level.COUNTY, city) if city else None
    county = county or Region.objects.filter(level=Region.Level.COUNTY).first()
    lead = Assignment.objects.filter(role=Assignment.Role.LEAD, task__region=city).select_related("unit").first()
    responsible = Assignment.objects.filter(role=Assignment.Role.RESPONSIBLE, task__region=county).select_related("unit").first()
    rows = [
        ("admin", "系统管理员", Role.ADMIN, None, None, True, "全部（首次登录须绑定动态口令）"),
        ("sheng_zgb", "王省办", Role.OFFICE, province, None, False, f"{province.name}（含下级）"),
        ("shi_zgb", "李市办", Role.OFFICE, city, None, False, f"{city.name}（含下级）" if city else ""),
        ("xian_zgb", "赵县办", Role.OFFICE, county, None, False, f"{county.name}" if county else ""),
        ("qiantou", "张牵头", Role.LEAD_UNIT, None, lead.unit if lead else None, False, lead.unit.name if lead else ""),
        ("zeren", "孙责任", Role.RESPONSIBLE_UNIT, None, responsible.unit if responsible else None, False,
         responsible.unit.name if responsible else ""),
        ("yanshou", "刘验收", Role.REVIEWER, city, None, False, f"{city.name}" if city else ""),
        ("lingdao", "陈领导", Role.LEADER, province, None, False, f"{province.name}（只读）"),
    ]
    hashed = make_password(PASSWORD)
    for username, name, role, region, unit, superuser, scope in rows:
        if role in {Role.LEAD_UNIT, Role.RESPONSIBLE_UNIT} and unit is None:
            continue
        ctx.data.setdefault("users", {})[username] = _user(username, name, role, region=region, unit=unit,
                                                            superuser=superuser, hashed=hashed)
        ctx.logins.append((username, Role(role).label, scope))
    ctx.wrote("账号", len(ctx.logins))
