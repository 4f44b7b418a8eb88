"""Closure that cannot be faked (no back-dated announcement, no application without evidence, the
signature is the logged-in reviewer), a public record that is never withdrawn, and times in the
generated documents as people read them (local, with the zone)."""
from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import pdf_bytes, png_bytes, travel_with_fresh_passwords
from rectify.acceptance import services
from rectify.acceptance.models import AcceptanceApplication, Announcement, Closure, LookBack
from rectify.tasks.states import TaskState

from .test_flow import accepted_task, announce, apply, elapse, fresh, messages_of, url

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------- 1. no back-dated announcement

@travel_with_fresh_passwords(datetime.datetime(2026, 12, 1, 9, tzinfo=BEIJING))
def test_an_announcement_cannot_start_before_it_is_published(world: Any, make_task: Any, login: Any) -> None:
    office = login(world.city_office)
    task = accepted_task(world, make_task, login)
    response = office.post(url("announce", task), {"starts_on": "2026-11-20", "version": fresh(task).version}, follow=True)  # would end 27 November
    assert fresh(task).state == TaskState.ACCEPTED and not Announcement.objects.filter(task=task).exists()
    assert any("早于发布日期" in m for m in messages_of(response))
    with pytest.raises(services.AcceptanceRefused, match="不能补发已过去的公示"):
        services.start_announcement(fresh(task), world.city_office, starts_on=datetime.date(2026, 11, 30))
    # Today or later is accepted; the task cannot be closed before the period has run.
    assert announce(office, task, starts_on="2026-12-01").status_code == 302
    item = Announcement.objects.get(task=task)
    assert item.starts_on == datetime.date(2026, 12, 1) and item.ends_on == datetime.date(2026, 12, 8)
    with pytest.raises(services.AcceptanceRefused, match="届满"):
        services.close_task(fresh(task), world.city_office)


@travel_with_fresh_passwords(datetime.datetime(2026, 12, 1, 9, tzinfo=BEIJING))
def test_the_api_refuses_a_back_dated_announcement(world: Any, make_task: Any, login: Any) -> None:
    task = accepted_task(world, make_task, login)
    response = login(world.city_office).post(f"/api/v1/acceptance/tasks/{task.uuid}/announce",
                                             {"starts_on": "2026-11-20", "version": fresh(task).version}, content_type="application/json")
    assert response.status_code == 400 and "早于发布日期" in response.json()["detail"]
    assert fresh(task).state == TaskState.ACCEPTED


# ---------------------------------------------------------------- 2. evidence is required

def test_an_application_needs_evidence(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    unit = login(world.county_unit)
    response = apply(unit, task, files=[])
    assert response.status_code == 400 and "请至少上传一份佐证材料" in response.content.decode()
    assert fresh(task).state == TaskState.ASSIGNED and not AcceptanceApplication.objects.filter(task=task).exists()
    with pytest.raises(services.AcceptanceRefused, match="佐证材料"):
        services.apply_for_acceptance(task, world.county_unit, completion_report="已完成", files=[])
    assert apply(unit, task, files=[SimpleUploadedFile("a.pdf", pdf_bytes())]).status_code == 302


# ---------------------------------------------------------------- 3. the signature is the reviewer

def test_the_signature_is_the_logged_in_reviewer(world: Any, make_task: Any, login: Any) -> None:
    world.reviewer.last_name, world.reviewer.first_name = "刘", "验收"
    world.reviewer.save()
    task = make_task()
    assert apply(login(world.county_unit), task).status_code == 302
    application = AcceptanceApplication.objects.get(task=task)
    reviewer = login(world.reviewer)
    # Someone else's name typed in is not a signature: the page ignores the field, the service refuses it.
    with pytest.raises(services.AcceptanceRefused, match="不能代他人签字"):
        services.review_application(application, world.reviewer, decision="accept", site_check="查看", implemented=True,
                                    signed_by="王验收")
    api = login(world.reviewer).post(f"/api/v1/acceptance/applications/{application.uuid}/review", {
        "decision": "accept", "site_check": "查看", "implemented": True, "signed_by": "王验收", "version": fresh(task).version},
        content_type="application/json")
    assert api.status_code == 400 and "不能代他人签字" in api.json()["detail"]
    response = reviewer.post(url("review", application), {
        "site_check": "现场查看", "implemented": "yes", "decision": "accept", "reasons": "", "signed_by": "王验收",
        "version": fresh(task).version})
    assert response.status_code == 302
    review = application.reviews.get()
    assert review.signed_by == "刘验收" and review.reviewer == world.reviewer and not review.signature_image


def test_the_signature_image_from_the_profile_is_on_the_review_and_the_notice(world: Any, make_task: Any, login: Any) -> None:
    reviewer = login(world.reviewer)
    page = reviewer.get(reverse("accounts:security")).content.decode()
    assert "签名图片" in page and "尚未上传" in page
    refused = reviewer.post(reverse("accounts:signature"), {"signature_image": SimpleUploadedFile("签名.png", b"<svg onload=x>")}, follow=True)
    assert any("只接受 PNG 或 JPG" in m for m in messages_of(refused))
    assert reviewer.post(reverse("accounts:signature"), {"signature_image": SimpleUploadedFile("签名.png", png_bytes())}).status_code == 302
    task = accepted_task(world, make_task, login)
    review = AcceptanceApplication.objects.get(task=task).reviews.get()
    assert review.signature_image and review.signature_image.read() == png_bytes()
    file_page = login(world.city_office).get(url("file", task)).content.decode()
    assert reverse("acceptance:review_signature", args=[review.uuid]) in file_page
    office = login(world.city_office)
    assert announce(office, task).status_code == 302
    notice = docx.Document(io.BytesIO(office.get(url("notice", task)).content))
    assert len(notice.inline_shapes) == 1
    texts = [p.text for p in notice.paragraphs]
    assert f"验收人：{review.signed_by}" in texts
    # A later change of the profile image does not change the signed review; each change is in the history.
    reviewer.post(reverse("accounts:signature"), {"remove": "1"})
    review.refresh_from_db()
    assert review.signature_image.read() == png_bytes()
    from rectify.core.models import ChangeRecord

    changes = ChangeRecord.objects.filter(object_type="accounts.user", user=world.reviewer).order_by("id")
    assert [c.reason for c in changes] == ["上传签名图片", "删除签名图片"] and changes[1].after == {"signature_image": ""}


# ---------------------------------------------------------------- 4. a public record is never withdrawn

def test_a_relapse_keeps_the_public_record_and_shows_the_next_closure(world: Any, make_task: Any, login: Any) -> None:
    office = login(world.city_office)
    task = accepted_task(world, make_task, login)
    assert announce(office, task).status_code == 302
    elapse(task)
    first = services.close_task(fresh(task), world.city_office)
    services.schedule_look_backs([fresh(task)], world.city_office, scheduled_for=datetime.date(2030, 1, 1))
    look_back = LookBack.objects.get(task=task)
    services.record_look_back(look_back, world.reviewer, result="relapse", finding="河道北岸再次出现垃圾，联系人张三13812345678",
                              expected_version=fresh(task).version)
    assert fresh(task).state == TaskState.REOPENED
    public = Client()
    page = public.get(reverse("acceptance:public_detail", args=[task.uuid]))
    assert page.status_code == 200
    text = page.content.decode()
    assert first.number in text and "重新整改" in text and "回头看发现反弹" in text and "河道北岸再次出现垃圾" in text
    assert "13812345678" not in text and "张三" not in text
    listing = public.get(reverse("acceptance:public_list")).content.decode()
    assert str(task.uuid) in listing and "已重新整改" in listing
    # Closed again: the new closure appears beside the first, which stays.
    assert apply(login(world.county_unit), task).status_code == 302
    application = AcceptanceApplication.objects.filter(task=task).order_by("-id")[0]
    services.review_application(application, world.reviewer, decision="accept", site_check="复查", implemented=True,
                                expected_version=fresh(task).version)
    assert announce(office, task).status_code == 302
    elapse(task)
    second = services.close_task(fresh(task), world.city_office)
    text = public.get(reverse("acceptance:public_detail", args=[task.uuid])).content.decode()
    text = text[text.index("公示和销号记录"):]
    assert first.number in text and second.number in text and text.index(first.number) < text.index(second.number)
    assert "回头看发现反弹" in text and Closure.objects.filter(task=task).count() == 2


# ---------------------------------------------------------------- 5. local times in the documents

@travel_with_fresh_passwords(datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC))  # 07:30 on 4 December in Beijing
def test_times_in_the_dossier_are_local(world: Any, make_task: Any, login: Any) -> None:
    office = login(world.city_office)
    task = accepted_task(world, make_task, login)
    assert announce(office, task).status_code == 302
    archive = zipfile.ZipFile(io.BytesIO(b"".join(office.get(url("dossier", task)).streaming_content)))
    report = archive.read("01_验收申请/整改完成情况.txt").decode()
    review = archive.read("01_验收申请/验收意见_01.txt").decode()
    manifest = archive.read("目录.txt").decode()
    for text in (report, review, manifest):
        assert "2026-12-04 07:30（北京时间）" in text, text
        assert "2026-12-03 23:30" not in text
    for info in archive.infolist():
        assert info.date_time[:5] == (2026, 12, 4, 7, 30), info.filename
    notice = docx.Document(io.BytesIO(archive.read("销号公示_01.docx")))
    assert any("2026-12-04 07:30（北京时间）" in p.text for p in notice.paragraphs)
    assert notice.core_properties.created == datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)  # W3CDTF, zone marked


# ---------------------------------------------------------------- 6. only the office records objections

@pytest.mark.parametrize("who", ["leader", "reviewer", "lead_unit", "county_unit"])
def test_read_only_roles_cannot_record_an_objection(who: str, world: Any, make_task: Any, login: Any) -> None:
    from django.core.exceptions import PermissionDenied

    task = accepted_task(world, make_task, login)
    assert announce(login(world.city_office), task).status_code == 302
    announcement = Announcement.objects.get(task=task)
    user = getattr(world, who)
    client = login(user)
    assert client.post(url("object", announcement), {"content": "仍有垃圾"}).status_code == 403
    assert 'action="' + url("object", announcement) not in client.get(url("file", task)).content.decode()
    with pytest.raises(PermissionDenied):
        services.record_objection(announcement, user, content="仍有垃圾")
    assert not announcement.objections.exists()
    # The office records it; the closure is blocked until it is resolved.
    assert login(world.city_office).post(url("object", announcement), {"content": "群众来电：仍有垃圾"}).status_code == 302
    with pytest.raises(services.AcceptanceRefused, match="尚未处理"):
        services.close_task(fresh(task), world.city_office, today=announcement.ends_on + datetime.timedelta(days=1))


def test_a_public_text_stored_before_a_rule_existed_is_redacted_when_shown(world: Any, make_task: Any) -> None:
    from rectify.tasks.models import Task

    task = make_task()
    Announcement.objects.create(task=task, starts_on=datetime.date(2026, 11, 2), ends_on=datetime.date(2026, 11, 9), working_days=5, body={
        "title": "关于第1号整改任务验收销号公示", "problem": "举报人为张三，电话138.1234.5678", "target": "邮箱 li@qq.com",
        "measures": ["联系人是李四，手机１３８１２３４５６７８"], "completion": "身份证 1405 0219 9001 0112 34"})
    Task.objects.filter(pk=task.pk).update(state=TaskState.ANNOUNCED)
    text = Client().get(reverse("acceptance:public_detail", args=[task.uuid])).content.decode()
    for secret in ("张三", "138.1234.5678", "li@qq.com", "李四", "１３８１２３４５６７８", "1405 0219 9001 0112 34"):
        assert secret not in text, secret
    assert "举报人为" in text and "邮箱" in text
