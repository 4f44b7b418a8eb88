from __future__ import annotations

import opencc
import pytest

import ingest
from ingest.tests.conftest import ACTION_TEXT, NOTICE_TEXT, PLAN_TEXT, REPORT_TEXT


def test_plan_tasks_fields_and_sections():
    doc = ingest.parse(PLAN_TEXT.encode("utf-8"), "plan.txt")
    assert doc["kind"] == "rectification_plan"
    assert doc["title"] == "青山县贯彻落实省生态环境保护督察反馈意见整改方案"
    assert doc["region"] == "青山县"
    assert doc["inspection"]["level"] == "provincial"
    assert doc["inspection"]["stationed_from"] == "2024-05-08"
    assert doc["inspection"]["feedback_date"] == "2024-08-20"
    tasks = doc["tasks"]
    assert [t["seq"] for t in tasks] == ["1", "2", "3"]
    first = tasks[0]
    assert first["feedback_no"] == "3"
    assert first["section"] == ["整改任务清单", "水环境治理短板明显"]
    assert first["problem"].startswith("县城污水处理厂出水超标")
    assert len(first["measures"]) == 2
    assert first["responsible_units"] == ["县住建局", "县生态环境局"]
    assert first["responsible_person"] == "分管副县长"
    assert first["deadline"] == "2025-06-30"
    assert [m["date"] for m in first["milestones"]] == ["2024-11-30"]


def test_inline_units_and_label_synonyms():
    task = ingest.parse(PLAN_TEXT.encode("utf-8"), "plan.txt")["tasks"][1]
    assert task["measures"] == ["清理保护区内养殖场并开展生态修复。"]
    assert task["lead_units"] == ["县农业农村局"]
    assert task["cooperating_units"] == ["县财政局"]
    assert task["responsible_units"] == ["东坡镇党委", "东坡镇政府", "河口乡人民政府", "柳林乡人民政府", "各乡镇政府"]
    assert task["long_term"] is True and task["deadline"] is None


def test_bracketed_labels_and_ji_split():
    task = ingest.parse(PLAN_TEXT.encode("utf-8"), "plan.txt")["tasks"][2]
    assert task["target"] == "工地扬尘防治措施落实到位。"
    assert task["responsible_units"] == ["县住建局", "各乡镇"]
    assert task["deadline"] == "2024-12-31"
    assert task["section"][-1] == "大气污染防治不力"


def test_action_plan_titles_indicators_and_inferred_deadline():
    doc = ingest.parse(ACTION_TEXT.encode("utf-8"), "action.txt")
    assert doc["kind"] == "action_plan"
    assert doc["period"] == {"start_year": 2024, "end_year": 2026}
    assert doc["inspection"] is None
    ind = {(i["comparator"], i["value"]) for i in doc["indicators"]}
    assert {("<=", 40), (">=", 80), ("reduce_by", 8)} <= ind
    t1, t2 = doc["tasks"]
    assert t1["title"] == "推进锅炉清洁化改造"
    assert t1["lead_units"] == ["市发展改革委", "市生态环境局"]
    assert t1["responsible_units"] == ["东城区政府", "西城区政府"]
    assert t1["deadline"] == "2026-12-31"
    assert [m["date"] for m in t1["milestones"]] == ["2025-06-30", "2026-12-31"]
    assert t1["indicators"][0]["value"] == 60
    assert t2["deadline"] is None and t2["responsible_units"] == ["各县（市、区）政府"]


def test_progress_report_stats_and_measurements():
    doc = ingest.parse(REPORT_TEXT.encode("utf-8"), "report.txt")
    assert doc["kind"] == "progress_report"
    assert doc["tasks"] == []
    assert doc["inspection"]["level"] == "central" and doc["inspection"]["round"] == 1
    assert doc["stats"] == {"tasks_total": 40, "tasks_done": 31, "tasks_in_progress": 9,
                            "petitions_received": 1200, "petitions_closed": 1190}
    assert {(m["name"], m["value"]) for m in doc["measurements"]} == {("优良天数比例", 82.5), ("PM2.5浓度", 33)}


def test_closure_notice_single_task():
    doc = ingest.parse(NOTICE_TEXT.encode("utf-8"), "notice.txt")
    assert doc["kind"] == "closure_notice"
    (task,) = doc["tasks"]
    assert task["seq"] == "7"
    assert task["problem"] == "城区黑臭水体治理滞后，雨污合流问题突出。"
    assert task["measures"] == ["实施雨污分流改造；", "开展河道清淤。"]
    assert task["completion"].count("\n") == 1
    assert task["milestones"] == []


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_encodings_give_the_same_document(encoding):
    expected = ingest.parse(PLAN_TEXT.encode("utf-8"), "plan.txt")
    assert ingest.parse(PLAN_TEXT.encode(encoding), "plan.txt") == expected


def test_big5_traditional_text():
    traditional = opencc.OpenCC("s2t").convert(PLAN_TEXT)
    doc = ingest.parse(traditional.encode("big5", errors="replace"), "plan.txt")
    # matched on simplified text, given back as written (SCHEMA.md: text as written)
    assert doc["title"] == opencc.OpenCC("s2t").convert("青山县贯彻落实省生态环境保护督察反馈意见整改方案")
    simplified = opencc.OpenCC("t2s").convert
    assert simplified(doc["title"]) == "青山县贯彻落实省生态环境保护督察反馈意见整改方案"
    assert len(doc["tasks"]) == 3
    assert [simplified(u) for u in doc["tasks"][0]["responsible_units"]] == ["县住建局", "县生态环境局"]


def test_pinyin_annotations_and_full_width_are_repaired():
    noisy = PLAN_TEXT.replace("反馈", "反饋(kuì)").replace("整改措施", "整改措施").replace("2025", "２０２５")
    doc = ingest.parse(noisy.encode("utf-8"), "plan.txt")
    assert doc["tasks"][0]["feedback_no"] == "3"
    assert doc["tasks"][0]["deadline"] == "2025-06-30"
    assert "kuì" not in doc["title"]


def test_flattened_table_text():
    text = (
        "某区整改措施清单\n"
        "序号|反馈问题|整改措施|责任单位|整改时限\n"
        "1|河道垃圾清理不及时|（1）建立保洁队伍；（2）每周巡河|区水务局、城管局|2024年9月底\n"
        "2|秸秆焚烧屡禁不止|加强网格巡查|各镇（街道）|长期坚持\n"
    )
    doc = ingest.parse(text.encode("utf-8"), "list.txt")
    t1, t2 = doc["tasks"]
    assert t1["problem"] == "河道垃圾清理不及时"
    assert t1["measures"] == ["建立保洁队伍；", "每周巡河"]
    assert t1["responsible_units"] == ["区水务局", "区城管局"]
    assert t1["deadline"] == "2024-09-30"
    assert t2["long_term"] is True


def test_content_hash_is_encoding_independent():
    assert ingest.content_hash(PLAN_TEXT.encode("utf-8")) == ingest.content_hash(PLAN_TEXT.encode("gb18030"))
    assert ingest.content_hash(PLAN_TEXT.encode("utf-8")) != ingest.content_hash(ACTION_TEXT.encode("utf-8"))


def test_unparsed_lines_reported_for_preview():
    text = PLAN_TEXT.replace("（二）大气污染防治不力\n", "（二）大气污染防治不力\n这一行不属于任何任务。\n")
    doc = ingest.parse(text.encode("utf-8"), "plan.txt")
    assert any("不属于任何任务" in u["text"] for u in doc.get("unparsed", []))


REPORT_WITH_TASKS = """绿水市关于省生态环境保护督察反馈问题整改方案落实情况的报告
（一）问题：城区餐饮油烟扰民投诉多。整改目标：油烟净化设施全覆盖。整改措施：（1）开展餐饮油烟专项整治；（2）建立长效监管机制。责任单位：市城管局、市场监管局。责任人：分管副市长。整改时限：2024年10月底
（二）问题：农村垃圾收运体系不健全。
整改目标：垃圾收运处置体系全覆盖。
整改措施：完善收运设施。
责任单位：各县（市、区）政府
整改时限：2025年上半年
"""

ARTICLE_STYLE = """清河县大气污染整改方案
第一条 加强秸秆禁烧。全面落实网格化监管，发现火点立即处置。
第二条 推进散煤治理。2024年10月底前完成散煤替代。
"""


def test_labels_run_together_on_one_line_and_lead_label():
    doc = ingest.parse(REPORT_WITH_TASKS.encode("utf-8"), "report.txt")
    assert doc["kind"] == "progress_report"
    t1, t2 = doc["tasks"]
    assert t1["problem"] == "城区餐饮油烟扰民投诉多。"
    assert t1["target"] == "油烟净化设施全覆盖。"
    assert t1["measures"] == ["开展餐饮油烟专项整治；", "建立长效监管机制。"]
    assert t1["responsible_units"] == ["市城管局", "市市场监管局"]
    assert t1["responsible_person"] == "分管副市长。"
    assert t1["deadline"] == "2024-10-31"
    assert t2["deadline"] == "2025-06-30"
    assert t2["responsible_units"] == ["各县（市、区）政府"]


def test_article_numbering_without_labels():
    doc = ingest.parse(ARTICLE_STYLE.encode("utf-8"), "plan.txt")
    t1, t2 = doc["tasks"]
    assert (t1["seq"], t1["title"]) == ("一", "加强秸秆禁烧")
    assert t2["measures"] == ["2024年10月底前完成散煤替代。"]
    assert [m["date"] for m in t2["milestones"]] == ["2024-10-31"]
    assert t2["deadline"] is None


SAME_LEVEL_MEASURES = """湖西区整改方案
一、生态保护
1.山体破坏未修复。(反馈问题12)
整改措施：
1.编制修复方案。
2.分批实施复绿。
责任单位：区自然资源局
整改时限：2025.6
2.违规占用林地。
整改措施：依法收回林地。
责任单位：区林业局
整改时限：2024-12-31
"""


def test_measures_numbered_like_tasks_and_numeric_dates():
    doc = ingest.parse(SAME_LEVEL_MEASURES.encode("utf-8"), "plan.txt")
    t1, t2 = doc["tasks"]
    assert t1["feedback_no"] == "12" and t1["problem"] == "山体破坏未修复。"
    assert t1["measures"] == ["编制修复方案。", "分批实施复绿。"]
    assert t1["deadline"] == "2025-06-30"
    assert (t2["seq"], t2["deadline"]) == ("2", "2024-12-31")


CELL_PER_LINE = """山南区整改措施清单
序号
反馈问题
整改措施
责任单位
整改时限
一、大气污染
1
砖厂无组织排放严重。
(1)加装收尘设施;
(2)开展执法检查。
区生态环境局
2024年8月底
2
餐饮油烟直排。
安装净化设备。
区城管局
长期坚持
"""


def test_table_flattened_one_cell_per_line():
    doc = ingest.parse(CELL_PER_LINE.encode("utf-8"), "list.txt")
    t1, t2 = doc["tasks"]
    assert t1["problem"] == "砖厂无组织排放严重。"
    assert t1["measures"] == ["加装收尘设施；", "开展执法检查。"]
    assert t1["responsible_units"] == ["区生态环境局"]
    assert t1["deadline"] == "2024-08-31"
    assert t2["long_term"] is True and t2["measures"] == ["安装净化设备。"]
