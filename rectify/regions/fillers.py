"""``rectify generate``'s filler of the national region list (generated names in the GB/T 2260 code layout) and the units of every level."""
from __future__ import annotations

import uuid

from rectify.core.bulk import insert
from rectify.core.fill import Context, register

from .models import Region, Unit

SYLLABLES = "东西南北中青安宁平云海江河山林泉华兴丰永长新清明和福德康嘉瑞昌盛源川湖阳乐泰隆庆武文通远定广吉祥宝金"
PROVINCE_UNITS = [
    ("人民政府", Unit.Kind.GOVERNMENT), ("生态环境保护督察整改工作领导小组办公室", Unit.Kind.OFFICE),
    ("生态环境厅", Unit.Kind.DEPARTMENT), ("发展和改革委员会", Unit.Kind.DEPARTMENT), ("工业和信息化厅", Unit.Kind.DEPARTMENT),
    ("自然资源厅", Unit.Kind.DEPARTMENT), ("住房和城乡建设厅", Unit.Kind.DEPARTMENT), ("水利厅", Unit.Kind.DEPARTMENT),
    ("农业农村厅", Unit.Kind.DEPARTMENT), ("林业和草原局", Unit.Kind.DEPARTMENT), ("交通运输厅", Unit.Kind.DEPARTMENT),
    ("财政厅", Unit.Kind.DEPARTMENT), ("公安厅", Unit.Kind.DEPARTMENT), ("市场监督管理局", Unit.Kind.DEPARTMENT),
    ("能源局", Unit.Kind.DEPARTMENT),
]
CITY_UNITS = [
    ("人民政府", Unit.Kind.GOVERNMENT), ("督察整改办", Unit.Kind.OFFICE), ("委办公室", Unit.Kind.PARTY),
    ("生态环境局", Unit.Kind.DEPARTMENT), ("发展和改革委员会", Unit.Kind.DEPARTMENT), ("工业和信息化局", Unit.Kind.DEPARTMENT),
    ("财政局", Unit.Kind.DEPARTMENT), ("自然资源局", Unit.Kind.DEPARTMENT), ("住房和城乡建设局", Unit.Kind.DEPARTMENT),
    ("城市管理局", Unit.Kind.DEPARTMENT), ("水务局", Unit.Kind.DEPARTMENT), ("农业农村局", Unit.Kind.DEPARTMENT),
    ("林业局", Unit.Kind.DEPARTMENT), ("能源局", Unit.Kind.DEPARTMENT), ("公安局", Unit.Kind.DEPARTMENT),
    ("司法局", Unit.Kind.DEPARTMENT), ("市场监督管理局", Unit.Kind.DEPARTMENT), ("文化和旅游局", Unit.Kind.DEPARTMENT),
    ("交通运输局", Unit.Kind.DEPARTMENT), ("应急管理局", Unit.Kind.DEPARTMENT),
]
COUNTY_UNITS = [
    ("人民政府", Unit.Kind.GOVERNMENT), ("督察整改办", Unit.Kind.OFFICE), ("生态环境分局", Unit.Kind.DEPARTMENT),
    ("住房和城乡建设局", Unit.Kind.DEPARTMENT), ("农业农村局", Unit.Kind.DEPARTMENT), ("水务局", Unit.Kind.DEPARTMENT),
    ("自然资源局", Unit.Kind.DEPARTMENT), ("城市管理局", Unit.Kind.DEPARTMENT),
]
UNITS_BY_LEVEL = {Region.Level.PROVINCE: PROVINCE_UNITS, Region.Level.CITY: CITY_UNITS, Region.Level.COUNTY: COUNTY_UNITS}


def _names(ctx: Context, count: int, suffix: str, used: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = "".join(ctx.rng.sample(SYLLABLES, 2)) + suffix
        if name not in used:
            used.add(name)
            names.append(name)
    return names


@register(10, "区划和单位", large=["regions.Unit"])
def fill_places(ctx: Context) -> None:
    used: set[str] = set()
    provinces = [
        Region(code=f"{11 + p:02d}0000", name=name, level=Region.Level.PROVINCE, path=f"{11 + p:02d}0000/")
        for p, name in enumerate(_names(ctx, ctx.provinces, "省", used))
    ]
    insert(provinces)
    cities: list[Region] = []
    for province in provinces:
        count = ctx.rng.randint(8, 14)
        for c, name in enumerate(_names(ctx, count, "市", used), 1):
            code = f"{province.code[:2]}{c:02d}00"
            cities.append(Region(code=code, name=name, level=Region.Level.CITY, parent=province, path=f"{province.path}{code}/"))
    insert(cities)
    counties: list[Region] = []
    for city in cities:
        count = ctx.rng.randint(5, 11)
        for d, name in enumerate(_names(ctx, count, "", {city.name[:2]}), 1):
            code = f"{city.code[:4]}{d:02d}"
            counties.append(Region(code=code, name=name + ("区" if d <= 2 else "县"), level=Region.Level.COUNTY, parent=city,
                                   path=f"{city.path}{code}/"))
    insert(counties)
    ctx.wrote("区划", len(provinces) + len(cities) + len(counties))

    # Units are many (about ten per county): built positionally from a prototype's values (Django's fast
    # path, the one ``from_db`` takes), not by keyword with a foreign-key descriptor each.
    proto = Unit(name="", kind=Unit.Kind.GOVERNMENT, region=provinces[0])
    fields = [field.attname for field in Unit._meta.concrete_fields]
    base = [getattr(proto, name) for name in fields]
    at = {name: fields.index(name) for name in ("uuid", "name", "kind", "region_id")}
    units: list[Unit] = []
    by_region: dict[int, dict[str, Unit]] = {}
    for region in [*provinces, *cities, *counties]:
        mine = by_region.setdefault(region.pk, {})
        for suffix, kind in UNITS_BY_LEVEL[Region.Level(region.level)]:
            values = base.copy()
            values[at["uuid"]], values[at["name"]], values[at["kind"]], values[at["region_id"]] = (
                uuid.uuid4(), f"{region.name}{suffix}", kind, region.pk)
            unit = Unit(*values)
            unit._state.fields_cache["region"] = region
            units.append(unit)
            mine[suffix] = unit
    insert(units)
    ctx.wrote("单位", len(units))
    ctx.data.update(provinces=provinces, cities=cities, counties=counties, units=by_region)
