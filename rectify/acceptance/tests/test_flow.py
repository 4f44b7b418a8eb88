"""The acceptance and closure loop driven through HTTP by the users who do it."""
from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import pdf_bytes, png_bytes
from rectify.acceptance import services
from rectify.acceptance.models import AcceptanceApplication, Announcement, Closure, Evidence, Objection
from rectify.core.models import ChangeRecord
from rectify.core.workdays import add_working_days
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from .conftest import exe_bytes

pytestmark = pytest.mark.django_db


def url(name: str, obj: Any) -> str:
    return reverse(f"acceptance:{name}", args=[obj.uuid])


def fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


def apply(client: Any, task: Task, text: str = "河道垃圾已全部清理，建立了巡河保洁制度。", files: list[Any] | None = None) -> Any:
    if files is None:
        files = [SimpleUploadedFile("现场照片.png", png_bytes(), "image/png"), SimpleUploadedFile("验收材料.pdf", pdf_bytes(), "application/pdf")]
    return client.post(url("apply", task), {"completion_report": text, "version": fresh(task).version, "evidence": files})


def review(client: Any, application: AcceptanceApplication, decision: str = "accept", implemented: str = "yes", reasons: str = "") -> Any:
    return client.post(url("review", application), {
        "site_check": "2026年11月现场查看，河道两岸无垃圾堆放。", "implemented": implemented, "decision": decision,
        "reasons": reasons, "version": fresh(application.task).version,
    })


def announce(client: Any, task: Task, **extra: Any) -> Any:
    return client.post(url("announce", task), {"version": fresh(task).version, **extra})


def elapse(task: Task, days: int = 20) -> Announcement:
    """Let the current announcement period lie ``days`` calendar days in the past (time passing):
    the same working-day length, now ended."""
    item = Announcement.objects.filter(task=task).order_by("-id")[0]
    item.starts_on -= datetime.timedelta(days=days)
    item.ends_on = add_working_days(item.starts_on, item.working_days)
    item.save(update_fields=["starts_on", "ends_on"])
    return item


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def accepted_task(world: Any, make_task: Any, login: Any) -> Task:
    task: Task = make_task()
    assert apply(login(world.county_unit), task).status_code == 302
    application = AcceptanceApplication.objects.get(task=task)
    assert review(login(world.reviewer), application).status_code == 302
    assert fresh(task).state == TaskState.ACCEPTED
    return task


def test_whole_path_apply_review_announce_close(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    unit = login(world.county_unit)
    form = unit.get(url("apply", task))
    assert form.status_code == 200 and "佐证材料" in form.content.decode()
    response = apply(unit, task)
    assert response.status_code == 302, response.content.decode()
    task = fresh(task)
    assert task.state == TaskState.APPLIED
    application = AcceptanceApplication.objects.get(task=task)
    assert application.unit == world.unit_county_env and application.status == "pending"
    evidence = list(application.evidence.all())
    assert sorted(e.kind for e in evidence) == ["pdf", "png"]
    for e in evidence:
        assert e.file.name and e.file.name.startswith("evidence/") and e.original_name not in e.file.name
        assert len(e.sha256) == 64

    # Download only through the checked view, as an attachment.
    png = next(e for e in evidence if e.kind == "png")
    download = unit.get(url("evidence", png))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == png_bytes()
    assert login(world.other_unit).get(url("evidence", png)).status_code == 404

    # The applicant may not review their own application.
    assert review(unit, application).status_code == 403

    response = review(login(world.reviewer), application)
    assert response.status_code == 302
    assert fresh(task).state == TaskState.ACCEPTED
    assert AcceptanceApplication.objects.get(pk=application.pk).status == "accepted"

    office = login(world.city_office)
    response = announce(office, task)
    assert response.status_code == 302
    task = fresh(task)
    assert task.state == TaskState.ANNOUNCED
    announcement = Announcement.objects.get(task=task)
    today = timezone.localdate()
    assert announcement.starts_on == today
    assert announcement.ends_on == add_working_days(today, 5)

    # Closing before the period ends is refused, naming the date.
    response = office.post(url("close", task), {"version": task.version}, follow=True)
    assert fresh(task).state == TaskState.ANNOUNCED
    assert any(f"{announcement.ends_on:%Y年%m月%d日}届满" in m for m in messages_of(response))
    with pytest.raises(services.AcceptanceRefused, match="届满"):
        services.close_task(task, world.city_office, today=announcement.ends_on)

    # The period has passed: close with the day after it ends.
    closure = services.close_task(task, world.city_office, today=announcement.ends_on + datetime.timedelta(days=1))
    year = (announcement.ends_on + datetime.timedelta(days=1)).year
    assert closure.number == f"晋城城区销号〔{year}〕1号"
    assert fresh(task).state == TaskState.CLOSED

    public = Client().get(reverse("acceptance:public_detail", args=[task.uuid]))
    assert public.status_code == 200 and closure.number in public.content.decode()

    page = office.get(url("file", task))
    assert page.status_code == 200
    text = page.content.decode()
    for expected in ("验收申请", "现场照片.png", "验收通过", "销号公示", closure.number):
        assert expected in text

    reasons = list(ChangeRecord.objects.filter(task_uuid=task.uuid, action="transition").order_by("id").values_list("reason", flat=True))
    assert reasons[0] == "申请验收" and reasons[-1] == f"销号（{closure.number}）"
    assert ChangeRecord.objects.filter(object_type="acceptance.closure").count() == 1


def test_close_through_http_after_the_period_and_numbers_run_on(world: Any, make_task: Any, login: Any) -> None:
    office = login(world.city_office)
    numbers = []
    for _ in range(2):
        task = accepted_task(world, make_task, login)
        # An announcement published today; twenty days later it has ended.
        assert announce(office, task).status_code == 302
        elapse(task)
        response = office.post(url("close", task), {"version": fresh(task).version}, follow=True)
        assert fresh(task).state == TaskState.CLOSED, messages_of(response)
        numbers.append(Closure.objects.get(task=task).number)
    year = timezone.localdate().year
    assert numbers == [f"晋城城区销号〔{year}〕1号", f"晋城城区销号〔{year}〕2号"]


def test_send_back_then_apply_again(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    unit = login(world.county_unit)
    apply(unit, task)
    application = AcceptanceApplication.objects.get(task=task)
    reviewer = login(world.reviewer)
    # Send back without a reason is refused.
    response = review(reviewer, application, decision="send_back", implemented="no")
    assert fresh(task).state == TaskState.APPLIED
    # Accepting something not implemented is refused.
    review(reviewer, application, decision="accept", implemented="no")
    assert fresh(task).state == TaskState.APPLIED
    response = review(reviewer, application, decision="send_back", implemented="no", reasons="南岸仍有垃圾堆放点两处")
    assert response.status_code == 302
    assert fresh(task).state == TaskState.SENT_BACK
    assert AcceptanceApplication.objects.get(pk=application.pk).status == "sent_back"
    assert "南岸仍有垃圾堆放点两处" in unit.get(url("file", task)).content.decode()
    assert apply(unit, task, text="南岸两处垃圾已清理。").status_code == 302
    assert fresh(task).state == TaskState.APPLIED
    assert AcceptanceApplication.objects.filter(task=task).count() == 2


def test_objection_upheld_reopens(world: Any, make_task: Any, login: Any) -> None:
    task = accepted_task(world, make_task, login)
    office = login(world.city_office)
    announce(office, task)
    announcement = Announcement.objects.get(task=task)
    # Only the office records an objection (from the public or a unit); the contact stays private.
    for user in (world.lead_unit, world.leader, world.reviewer):
        refused = login(user).post(url("object", announcement), {"content": "河道北岸仍有垃圾", "contact": "13812345678"})
        assert refused.status_code == 403
    response = office.post(url("object", announcement), {"content": "河道北岸仍有垃圾", "contact": "13812345678"})
    assert response.status_code == 302
    objection = Objection.objects.get(announcement=announcement)
    assert objection.contact == "13812345678"
    assert "13812345678" not in login(world.county_unit).get(url("file", task)).content.decode()
    assert "13812345678" not in str(ChangeRecord.objects.filter(object_type="acceptance.objection").values_list("after", flat=True)[0])
    # An unresolved objection blocks closing even after the period.
    with pytest.raises(services.AcceptanceRefused, match="尚未处理"):
        services.close_task(task, world.city_office, today=announcement.ends_on + datetime.timedelta(days=1))
    # Only the office resolves.
    assert login(world.reviewer).post(url("resolve", objection), {"resolution": "upheld", "note": "x", "version": fresh(task).version}).status_code == 403
    response = office.post(url("resolve", objection), {"resolution": "upheld", "note": "经核查属实", "version": fresh(task).version})
    assert response.status_code == 302
    assert fresh(task).state == TaskState.REOPENED
    objection.refresh_from_db()
    assert objection.resolution == "upheld" and objection.reopened_task
    # Reopened: the public page stays and says so; the unit may apply again.
    public = Client().get(reverse("acceptance:public_detail", args=[task.uuid]))
    assert public.status_code == 200 and "重新整改" in public.content.decode() and "经核查属实" in public.content.decode()
    assert apply(login(world.county_unit), task, text="北岸垃圾已清理。").status_code == 302
    assert fresh(task).state == TaskState.APPLIED


def test_objection_rejected_then_close(world: Any, make_task: Any, login: Any) -> None:
    task = accepted_task(world, make_task, login)
    office = login(world.city_office)
    announce(office, task)
    announcement = Announcement.objects.get(task=task)
    objection = services.record_objection(announcement, world.city_office, content="怀疑未整改")
    office.post(url("resolve", objection), {"resolution": "rejected", "note": "经现场复核，已整改到位", "version": fresh(task).version})
    assert fresh(task).state == TaskState.ANNOUNCED
    with pytest.raises(services.AcceptanceRefused, match="不在公示期内"):
        services.record_objection(announcement, world.city_office, content="晚了", today=announcement.ends_on + datetime.timedelta(days=1))
    closure = services.close_task(task, world.city_office, today=announcement.ends_on + datetime.timedelta(days=3))
    assert fresh(task).state == TaskState.CLOSED and closure.seq == 1


def test_scope_other_unit_gets_404(world: Any, make_task: Any, login: Any) -> None:
    task = accepted_task(world, make_task, login)
    application = AcceptanceApplication.objects.get(task=task)
    other = login(world.other_unit)
    assert other.get(url("file", task)).status_code == 404
    assert other.get(url("apply", task)).status_code == 404
    assert review(other, application).status_code == 404
    assert announce(other, task).status_code == 404
    assert other.get(url("dossier", task)).status_code == 404
    assert other.post(url("close", task), {"version": 1}).status_code == 404


def test_leader_gets_403_on_writes(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    leader = login(world.leader)
    assert leader.get(url("file", task)).status_code == 200
    response = apply(leader, task)
    assert response.status_code == 403
    assert fresh(task).state == TaskState.ASSIGNED
    apply(login(world.county_unit), task)
    application = AcceptanceApplication.objects.get(task=task)
    assert review(leader, application).status_code == 403
    review(login(world.reviewer), application)
    assert announce(leader, task).status_code == 403
    assert announce(login(world.reviewer), task).status_code == 403
    assert announce(login(world.county_unit), task).status_code == 403
    assert leader.post(url("close", task), {"version": fresh(task).version}).status_code == 403
    assert fresh(task).state == TaskState.ACCEPTED
    assert login(world.nobody).get(url("file", task)).status_code == 404


def test_anonymous_is_sent_to_login(world: Any, make_task: Any, client: Any) -> None:
    task = make_task()
    response = client.get(url("file", task))
    assert response.status_code == 302 and "login" in response["Location"]


def test_exe_renamed_pdf_is_refused(world: Any, make_task: Any, login: Any, media_root: Any) -> None:
    task = make_task()
    response = apply(login(world.county_unit), task, files=[
        SimpleUploadedFile("照片.png", png_bytes(), "image/png"), SimpleUploadedFile("整改报告.pdf", exe_bytes(), "application/pdf"),
    ])
    assert response.status_code == 400
    assert "整改报告.pdf" in response.content.decode() and "不是允许的类型" in response.content.decode()
    assert fresh(task).state == TaskState.ASSIGNED
    assert not AcceptanceApplication.objects.exists() and not Evidence.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*")) if media_root.exists() else True


def test_oversized_file_is_refused(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    big = SimpleUploadedFile("大文件.pdf", pdf_bytes() + b"\0" * (20 * 1024 * 1024), "application/pdf")
    response = apply(login(world.county_unit), task, files=[big])
    assert response.status_code == 400 and "20 MB" in response.content.decode()


def test_office_docx_and_xlsx_detected(world: Any, make_task: Any, login: Any) -> None:
    import docx
    import openpyxl

    word, excel = io.BytesIO(), io.BytesIO()
    docx.Document().save(word)
    openpyxl.Workbook().save(excel)
    task = make_task()
    response = apply(login(world.city_office), task, files=[
        SimpleUploadedFile("报告.docx", word.getvalue()), SimpleUploadedFile("台账.xlsx", excel.getvalue()),
        ])
    assert response.status_code == 302
    assert sorted(Evidence.objects.values_list("kind", flat=True)) == ["docx", "xlsx"]


def test_public_page_hides_personal_data(world: Any, make_task: Any, login: Any, client: Any) -> None:
    task = make_task(responsible_person="副区长 张建国", problem="城区河道垃圾问题，群众反映至0356-2021234。")
    apply(login(world.county_unit), task, text="张建国带队清理，联系电话13912345678，举报人身份证140502198001011234。垃圾清运120吨。")
    review(login(world.reviewer), AcceptanceApplication.objects.get(task=task))
    public_url = reverse("acceptance:public_detail", args=[task.uuid])
    assert client.get(public_url).status_code == 404  # accepted, not yet announced
    announce(login(world.city_office), task)
    response = client.get(public_url)
    assert response.status_code == 200
    text = response.content.decode()
    for section in ("一、整改任务", "二、整改目标", "三、整改措施", "四、整改完成情况", "垃圾清运120吨", "开展排查"):
        assert section in text
    for secret in ("13912345678", "0356-2021234", "140502198001011234", "张建国"):
        assert secret not in text
    listing = client.get(reverse("acceptance:public_list"))
    assert listing.status_code == 200 and public_url in listing.content.decode()


def test_public_list_paginates(world: Any, make_task: Any, login: Any, client: Any) -> None:
    office = login(world.city_office)
    for _ in range(3):
        task = accepted_task(world, make_task, login)
        announce(office, task)
    from rectify.acceptance import views

    original = views.PublicList.paginate_by
    views.PublicList.paginate_by = 2
    try:
        first = client.get(reverse("acceptance:public_list"))
        second = client.get(reverse("acceptance:public_list") + "?page=2")
    finally:
        views.PublicList.paginate_by = original
    assert first.content.decode().count("整改任务验收销号公示</a>") == 2
    assert second.content.decode().count("整改任务验收销号公示</a>") == 1
    assert "第 2 / 2 页" in second.content.decode()


def test_dossier_zip_contains_the_files(world: Any, make_task: Any, login: Any) -> None:
    task = accepted_task(world, make_task, login)
    office = login(world.city_office)
    announce(office, task)
    announcement = Announcement.objects.get(task=task)
    closure = services.close_task(task, world.city_office, today=announcement.ends_on + datetime.timedelta(days=1))
    response = login(world.county_unit).get(url("dossier", task))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "01_验收申请/整改完成情况.txt" in names
    assert archive.read("01_验收申请/佐证材料/01_现场照片.png") == png_bytes()
    assert archive.read("01_验收申请/佐证材料/02_验收材料.pdf") == pdf_bytes()
    assert services.signer_name(world.reviewer) in archive.read("01_验收申请/验收意见_01.txt").decode()
    assert "销号公示_01.docx" in names
    assert closure.number in archive.read("销号.txt").decode()
    assert "河道垃圾已全部清理" in archive.read("01_验收申请/整改完成情况.txt").decode()


def test_notice_docx_download(world: Any, make_task: Any, login: Any) -> None:
    task = accepted_task(world, make_task, login)
    office = login(world.city_office)
    assert office.get(url("notice", task)).status_code == 404
    announce(office, task)
    response = office.get(url("notice", task))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert "attachment" in response["Content-Disposition"]


def test_stale_version_is_refused(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    response = login(world.county_unit).post(url("apply", task), {"completion_report": "已完成", "version": task.version - 1 if task.version > 1 else 99,
                                                                  "evidence": [SimpleUploadedFile("照片.png", png_bytes())]})
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    assert fresh(task).state == TaskState.ASSIGNED


def test_failed_application_leaves_no_files(world: Any, make_task: Any, login: Any, media_root: Any) -> None:
    task = make_task()
    response = login(world.county_unit).post(url("apply", task), {
        "completion_report": "已完成", "version": 99, "evidence": [SimpleUploadedFile("照片.png", png_bytes())],
    })
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_public_list_shows_each_tasks_latest_published_announcement_in_order(world: Any, make_task: Any, client: Any) -> None:
    """The page's keys walked in the public order and counted per task (``PublicList.count``): the same rows,
    order and count as every announcement sorted and checked against its task's latest."""
    from rectify.acceptance import views

    day = datetime.date(2026, 3, 2)
    for n in range(7):
        task = make_task()
        starts = [day + datetime.timedelta(days=(n * 5) % 11 + k * 13) for k in range(1 + n % 3)]  # same days for some tasks
        for k, start in enumerate(starts):
            Announcement.objects.create(task=task, starts_on=start, ends_on=start + datetime.timedelta(days=7), working_days=5,
                                        published=not (n == 4 and k == len(starts) - 1))  # a withdrawn latest one
    make_task()  # never announced
    latest: dict[int, Announcement] = {}
    for a in Announcement.objects.filter(published=True).order_by("id"):
        latest[a.task_id] = a
    expected = [str(a.task.uuid) for a in sorted(latest.values(), key=lambda a: (a.starts_on, a.id), reverse=True)]
    assert len(expected) == 7
    original = views.PublicList.paginate_by
    views.PublicList.paginate_by = 3
    try:
        pages = [client.get(reverse("acceptance:public_list"), {"page": n}).content.decode() for n in (1, 2, 3)]
    finally:
        views.PublicList.paginate_by = original
    for n, page in enumerate(pages):
        on_page = sorted((page.index(uuid), uuid) for uuid in expected if uuid in page)
        assert [uuid for _, uuid in on_page] == expected[n * 3:n * 3 + 3]
        assert f"第 {n + 1} / 3 页，共 7 条" in page
