"""Reads asked together (``core.reads``): one statement, each read's rows as alone, on either engine."""
from __future__ import annotations

import datetime
from typing import Any

import pytest

from rectify.core.reads import Read, Reads, reading
from rectify.tasks.models import Measure, Milestone

pytestmark = pytest.mark.django_db


def milestones(task_ids: list[int]) -> Read:
    marks = ", ".join(["%s"] * len(task_ids))
    return Read(Milestone, (("task_id", "integer"), ('"date"', "date"), ('"text"', "text"), ("done", "boolean")),
                f"FROM {Milestone._meta.db_table} WHERE task_id IN ({marks})", tuple(task_ids),  # noqa: S608
                order=(("task_id", "integer"), ('"date"', "date"), ("id", "integer")))


def measures(task_ids: list[int]) -> Read:
    marks = ", ".join(["%s"] * len(task_ids))
    return Read(Measure, (('"text"', "text"), ("task_id", "integer")),
                f"FROM {Measure._meta.db_table} WHERE task_id IN ({marks})", tuple(task_ids),  # noqa: S608
                order=(("task_id", "integer"), ('"order"', "integer"), ("id", "integer")))


def test_reads_together_give_each_read_its_rows_as_alone(make_task: Any, django_assert_num_queries: Any) -> None:
    day = datetime.date(2026, 7, 1)
    tasks = [make_task(milestones=[(day, "乙"), (None, "无日期"), (day, "甲"), (day - datetime.timedelta(days=9), "早")],
                       measures=["一", "二", "三"]),
             make_task(milestones=[], measures=[]),
             make_task(milestones=[(None, "只有无日期")], measures=["唯一"])]
    Milestone.objects.filter(text="甲").update(done=True)
    ids = [t.pk for t in tasks]
    reads = Reads()
    found = [reads.add(milestones(ids)), reads.add(measures(ids)), reads.add(milestones([tasks[1].pk]))]
    with django_assert_num_queries(1):
        reads.run()
    assert found[0].rows == milestones(ids).run()
    assert found[1].rows == measures(ids).run()
    assert found[2].rows == []
    assert len(found[0].rows) == 5 and {type(done) for *_, done in found[0].rows} == {bool}
    assert {type(date) for _, date, *_ in found[0].rows} == {datetime.date, type(None)}
    assert [text for text, _ in found[1].rows] == ["一", "二", "三", "唯一"]


def test_steps_run_once_the_reads_ran_in_the_order_added(make_task: Any) -> None:
    task = make_task(milestones=[(None, "节点")])
    seen: list[Any] = []
    with reading() as reads:
        rows = reads.add(milestones([task.pk]))
        with pytest.raises(RuntimeError):
            rows.rows  # noqa: B018
        with reading(reads) as same:  # a page's reads given: its owner runs them
            assert same is reads
            same.then(lambda: seen.append(len(rows.rows)))
        reads.then(lambda: seen.append("second"))
        assert seen == []
    assert seen == [1, "second"]


def test_a_column_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown column types"):
        Read(Milestone, (("done_at", "datetime"),), f"FROM {Milestone._meta.db_table}")
