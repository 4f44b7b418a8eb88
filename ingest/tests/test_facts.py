"""Document-level facts found whatever happens to the tasks: title, region, counts, kind (composed texts)."""
from __future__ import annotations

import pytest

import ingest
from ingest.facts.kind import decide_kind
from ingest.facts.region import find_region, places_in
from ingest.facts.title import find_title
from ingest.fields.counts import find_counts


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["发布时间：2021-03-02", "来源：县环保局", "关于青河县第5项整改任务销号的公示", "根据有关规定，现予公示。"],
         "关于青河县第5项整改任务销号的公示"),
        (["关于柳川市落实环境保护督察", "反馈意见第9项整改任务完成情况公示", "一、整改问题"],
         "关于柳川市落实环境保护督察反馈意见第9项整改任务完成情况公示"),
        (["根据督察反馈意见，现将整改情况公示如下：", "一、整改问题", "河道垃圾堆放。"], None),
        (["原标题：北岭区信访件办结率过九成", "日前，北岭区通报了信访件办理情况。"], "北岭区信访件办结率过九成"),
        (["某某市人民政府", "关于印发某某市清洁水体三年行动方案的通知", "各县区人民政府：", "某某市清洁水体三年行动方案"],
         "某某市清洁水体三年行动方案"),
        (["交办单编号：", "12", "交办单标题：", "关于对南溪部分河段漂浮物问题交办的通知", "交办内容："],
         "关于对南溪部分河段漂浮物问题交办的通知"),
        (["青山市净土行动计划发布", "2020-05-01", "一、总体要求"], "青山市净土行动计划"),
        # a title glued to the header of the table that follows it
        (["东河县水利局河湖清四乱专项行动任务分解清单序号问题描述整改目标责任股室"], "东河县水利局河湖清四乱专项行动任务分解清单"),
    ],
)
def test_title(lines, title):
    assert find_title(lines) == title


def test_places_are_found_by_shape():
    assert [p.name for p in places_in("经南岭市北山区人民政府同意")] == ["南岭市", "北山区"]
    assert [p.name for p in places_in("根据《高原藏族自治州条例》")] == ["高原藏族自治州"]
    assert places_in("全市各县区和开发区要对我市城区进行排查") == ()


@pytest.mark.parametrize(
    ("title", "lines", "region"),
    [
        ("东川市西湖区关于整改情况的公示", [], "东川市西湖区"),
        (None, ["根据《江南省整改销号办法》要求，现公示如下：", "清河县人民政府组织整改。", "清河县生态环境局", "2022年3月1日"], "清河县"),
        (None, ["到2025年，全省空气质量持续改善，北城市、南城市浓度下降。"], None),
        (None, ["我市认真落实整改要求。"], None),
        (None, ["联系地址：石门县兴业路8号"], "石门县"),
    ],
)
def test_region(title, lines, region):
    assert find_region(title, lines) == region


@pytest.mark.parametrize(
    ("text", "stats"),
    [
        ("截至6月底，45项整改任务已完成39项，其余6项正在推进。", {"tasks_total": 45, "tasks_done": 39, "tasks_in_progress": 6}),
        ("整改方案明确了30项整改任务，2024年底前完成25项，2025年底前全部完成。", {"tasks_total": 30}),
        ("督察组交办的信访件共计88件，已办结70件，阶段性办结12件。", {"petitions_received": 88, "petitions_closed": 70}),
        ("第一批交办5件信访件，已办结5件。截至目前，累计交办信访件120件，已办结101件、阶段性办结9件。",
         {"petitions_received": 120, "petitions_closed": 101}),
        ("向地方交办信访举报1200件。各地共办结信访件950件，立案处罚40家，问责12人。",
         {"petitions_received": 1200, "petitions_closed": 950}),
        ("中央督察组交办我县的36件群众举报件已全部办结。", {"petitions_received": 36, "petitions_closed": 36}),
        ("市生态环境局负责的第12项整改任务已完成。", None),
    ],
)
def test_counts(text, stats):
    assert find_counts(text) == stats


def test_kind_is_decided_from_what_was_found():
    assert decide_kind("某市整改方案", "", [], None) == "rectification_plan"
    assert decide_kind(None, "截至目前已办结80件", [], {"petitions_closed": 80}) == "progress_report"
    task = {"problem": "河道黑臭", "completion": "已完成"}
    assert decide_kind(None, "现予以公示", [task], None) == "closure_notice"
    assert decide_kind(None, "", [{"problem": None, "measures": ["加快淘汰落后产能"]}], None) == "action_plan"


def test_count_only_report_is_read_not_refused():
    text = ("截至10月底，东岭市由中央生态环境保护督察组转办的信访件320件中，已办结301件。\n"
            "东岭市整改方案确定的52项整改任务已完成47项，其余5项正在推进。\n")
    doc = ingest.parse(text.encode("utf-8"), "report.txt")
    assert doc["kind"] == "progress_report"
    assert doc["tasks"] == []
    assert doc["stats"] == {"petitions_received": 320, "petitions_closed": 301, "tasks_total": 52,
                            "tasks_done": 47, "tasks_in_progress": 5}
    assert doc["region"] == "东岭市"


def test_inspection_checks():
    from ingest.facts.inspection import checked_inspection

    found = {"team": None, "level": "provincial", "round": 1, "stationed_from": "2024-03-01",
             "stationed_to": "2024-03-08", "feedback_date": None}
    notice = "如有异议，请在公示期间（2024年3月1日至3月8日）反映。"
    assert checked_inspection(found, "省级督察“回头看”反馈问题整改情况公示", notice)["stationed_from"] is None
    assert checked_inspection(found, "省级督察“回头看”反馈问题整改情况公示", notice)["round"] is None
    stay = "2024年3月1日至3月8日，省第二督察组进驻南岭市开展督察。"
    assert checked_inspection(found, "整改方案", stay) == found


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # a round named without a team; the level written once, after the round
        ("", "西坪县涉及的第二轮省级生态环境保护督察反馈问题已整改完成。",
         {"team": None, "level": "provincial", "round": 2}),
        # central before provincial, then the latest round; the press's shorthand is no team
        ("", "第一轮中央环境保护督察反馈的12项问题已完成；省级环保督察交办的30件已办结；"
             "第二轮中央生态环境保护督察交办的信访件正在办理。中央环保督察组指出的问题已整改。",
         {"team": None, "level": "central", "round": 2}),
        # the title's inspection decides the level even when the text recalls another
        ("第三批省级环保督察交办问题整改过半", "此次督察聚焦中央环保督察反馈问题整改。",
         {"team": None, "level": "provincial", "round": None}),
        # a full team name with its province and ordinal, and the year-less end of the stay
        ("", "2022年6月3日至21日，贵州省第四生态环境保护督察组对我市开展了第二轮省级生态环境保护督察，"
             "8月30日，督察组向我市反馈了督察意见。",
         {"team": "贵州省第四生态环境保护督察组", "level": "provincial", "round": 2,
          "stationed_from": "2022-06-03", "stationed_to": "2022-06-21", "feedback_date": "2022-08-30"}),
        # a 回头看 team keeps its quotation marks; 我市由… is not part of a team
        ("", "我市由省委、省政府环境保护“回头看”督察组转办的信访件已办结。",
         {"team": "省委、省政府环境保护“回头看”督察组", "level": "provincial"}),
        # a 公示 period ending on a date before 反馈 is no feedback date
        ("白山市关于省级督察反馈问题（序号7）整改情况的公示",
         "请在公示期间（2025年4月1日—2025年4月7日）向白山市贯彻落实督察反馈意见整改工作专班反映。",
         {"level": "provincial", "feedback_date": None}),
        ("六盘水市河道保洁工作安排", "各乡镇要加强河道日常保洁。", None),
    ],
)
def test_inspection_from_mentions(title, text, expected):
    from ingest.fields.inspection import find_inspection

    found = find_inspection(title, text)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert {k: found[k] for k in expected} == expected


def test_hosting_heading_is_no_title_and_an_original_title_at_the_end_is():
    assert find_title(["工作总结公文范文（公文写作模板与范例）", "2022年3月1日至3月20日，省督察组对我县开展督察。"]) is None
    lines = ["本报讯 近日，南川区公布了整改方案。", "方案明确了21项整改任务。(记者 李明)原标题：南川区公布督察整改方案 21项问题逐一销号"]
    assert find_title(lines) == "南川区公布督察整改方案 21项问题逐一销号"


def test_announced_plan_with_a_task_count_is_a_plan():
    text = "经省委批准，督察组对我县开展了督察。我县制定了《西坪县督察整改任务清单》，共30项整改任务，现向社会公开。"
    assert decide_kind(None, text, [], {"tasks_total": 30}) == "rectification_plan"
    assert decide_kind(None, "共30项整改任务，已完成25项。", [], {"tasks_total": 30, "tasks_done": 25}) == "progress_report"


def test_counts_inside_a_quoted_feedback_are_not_the_notices_and_all_done_closes_the_total():
    quoted = "督察反馈指出，“部分乡镇“禁养区”内养殖场未关停，督察期间共受理投诉42件，群众反映强烈”。经整改，问题已解决。"
    assert find_counts(quoted) is None
    done = "省里交办的3个问题（甲、乙、丙）由我局牵头整改。现已完成整改工作，予以公示。"
    assert find_counts(done) == {"tasks_total": 3, "tasks_done": 3}


def test_region_from_a_local_papers_name():
    assert find_region(None, ["东川日报讯 截至6月底，我市交办的信访件已办结。", "我市将继续推进整改。"]) == "东川市"
    assert find_region(None, ["东川日报讯 我省和我市联合开展检查。"]) is None


@pytest.mark.parametrize(("text", "expected"), [
    # phrasings seen in published progress reports, in sentences of our own
    ("方案明确的全部48项整改任务中，已基本完成19项，其余29项总体按序时推进。",
     {"tasks_total": 48, "tasks_done": 19, "tasks_in_progress": 29}),
    ("督察组交办的1520件信访事项，已办结1302件，阶段性办结190件。", {"petitions_received": 1520, "petitions_closed": 1302}),
])
def test_published_count_phrasings(text, expected):
    assert find_counts(text) == expected


def test_region_from_a_signature_without_suffix_and_from_an_autonomous_name():
    lines = ["交办的2个问题（南川市、北岭市河道整治）由我单位牵头整改。", "现已完成整改工作，予以公示。",
             "公示时间：*年1月1日起至*年1月7日止。", "特此公示。", "???????南川 （略）", "* 年1月1日"]
    assert find_region(None, lines) == "南川市"
    assert find_region(None, ["按照联合县乡检查的安排，", "对涉及督察反馈的石屏彝族自治县12座矿山开展核查。"]) == "石屏彝族自治县"


def test_counts_describe_the_documents_inspection():
    text = ("第一轮中央生态环境保护督察反馈的30项问题中，已完成28项；"
            "第二轮中央生态环境保护督察交办的信访件212件，已办结200件。"
            "省级环保督察，目前已完成整改41个，剩余9个正在推进。"
            "截至5月底，40个问题应完成35个，已完成36个，省督察办正在组织验收，其余4个问题正在推进。")
    central2 = {"level": "central", "round": 2}
    assert find_counts(text, central2) == {"petitions_received": 212, "petitions_closed": 200, "tasks_total": 40,
                                           "tasks_done": 36, "tasks_in_progress": 4}
