"""Documents out: the closure announcement (.docx, GB/T 9704 layout) and the whole file as a .zip."""
from __future__ import annotations

import datetime
import io
import tempfile
import zipfile
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from rectify.tasks.models import Task

from .models import AcceptanceReview, Announcement, Closure

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
LINE = Pt(28)
SECTIONS = ("一、整改任务", "二、整改目标", "三、整改措施", "四、整改完成情况")


def _font(run: Any, name: str, size: Pt, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _paragraph(doc: Any, text: str, *, font: str = BODY_FONT, size: Pt = BODY_SIZE, indent: bool = True,
               align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, bold: bool = False) -> Any:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    p.alignment = align
    _font(p.add_run(text), font, size, bold)
    return p


def notice_docx(body: dict[str, Any], announcement: Announcement | None = None, review: AcceptanceReview | None = None) -> bytes:
    """The closure announcement in the layout of an official notice (title, then sections 一 to 四)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _paragraph(doc, body.get("title", ""), font=TITLE_FONT, size=TITLE_SIZE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, SECTIONS[0], font=HEADING_FONT)
    for line in (body.get("problem") or "").splitlines() or [""]:
        _paragraph(doc, line.strip())
    _paragraph(doc, SECTIONS[1], font=HEADING_FONT)
    for line in (body.get("target") or "").splitlines() or [""]:
        _paragraph(doc, line.strip())
    _paragraph(doc, SECTIONS[2], font=HEADING_FONT)
    for i, measure in enumerate(body.get("measures") or [], 1):
        _paragraph(doc, f"{i}. {measure.strip()}")
    _paragraph(doc, SECTIONS[3], font=HEADING_FONT)
    for line in (body.get("completion") or "").splitlines() or [""]:
        if line.strip():
            _paragraph(doc, line.strip())
    if announcement is not None:
        _paragraph(doc, f"公示期：{announcement.starts_on:%Y年%m月%d日}至{announcement.ends_on:%Y年%m月%d日}"
                        f"（{announcement.working_days}个工作日）。公示期间如有异议，请向整改办反映。")
    if review is not None:
        _signature(doc, review)
    doc.core_properties.created = doc.core_properties.modified = timezone.now()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _signature(doc: Any, review: AcceptanceReview) -> None:
    """The acceptance signature: the reviewer who signed, when (local time), and their signature image."""
    _paragraph(doc, "", indent=False)
    _paragraph(doc, f"验收人：{review.signed_by}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if review.signature_image:
        with review.signature_image.open("rb") as handle:
            picture = doc.add_paragraph()
            picture.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            picture.add_run().add_picture(io.BytesIO(handle.read()), height=Mm(15))
    _paragraph(doc, f"验收签字时间：{local_time(review.signed_at)}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)


ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "PRC": "北京时间"}


def local_time(value: datetime.datetime | None) -> str:
    """A moment as people read it: local time, with the zone named (documents leave the system)."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    zone = ZONE_NAMES.get(settings.TIME_ZONE) or f"UTC{local:%z}"[:-2] + ":" + f"{local:%z}"[-2:]
    return f"{local:%Y-%m-%d %H:%M}（{zone}）"


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip member stamped with the local time now (zip times carry no zone; readers show them as local)."""
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def signing_review(announcement: Announcement) -> AcceptanceReview | None:
    """The accepting review signed before the announcement (the one it announces)."""
    return (AcceptanceReview.objects.filter(application__task_id=announcement.task_id, decision=AcceptanceReview.Decision.ACCEPT,
                                            signed_at__lte=announcement.created_at).order_by("-signed_at", "-id").first())


def _safe(name: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in name).strip() or "文件"


def dossier_zip(task: Task) -> IO[bytes]:
    """The whole file of a task (一案一档) as one zip, spooled to disk when large."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned to the caller
    manifest = [f"{task.seq}. {task.display_title}", f"状态：{task.get_state_display()}",
                f"生成时间：{local_time(timezone.now())}", ""]
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, application in enumerate(task.acceptance_applications.select_related("applicant", "unit").prefetch_related("evidence", "reviews"), 1):
            folder = f"{n:02d}_验收申请"
            report = (f"申请单位：{application.unit or '—'}\n申请人：{application.applicant}\n"
                      f"申请时间：{local_time(application.created_at)}\n状态：{application.get_status_display()}\n\n"
                      f"整改完成情况：\n{application.completion_report}\n")
            archive.writestr(_entry(f"{folder}/整改完成情况.txt"), report)
            manifest.append(f"{folder}：{application.get_status_display()}")
            for m, evidence in enumerate(application.evidence.all(), 1):
                arcname = f"{folder}/佐证材料/{m:02d}_{_safe(evidence.original_name)}"
                with evidence.file.open("rb") as handle:
                    with archive.open(_entry(arcname), "w") as target:
                        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                            target.write(chunk)
                manifest.append(f"  {arcname}  {evidence.size} 字节  SHA-256 {evidence.sha256}")
            for m, review in enumerate(application.reviews.all(), 1):
                text = (f"验收结论：{review.get_decision_display()}\n整改措施落实情况：{'已落实' if review.implemented else '未落实'}\n"
                        f"现场核查记录：\n{review.site_check}\n\n理由/退回原因：{review.reasons or '—'}\n"
                        f"签字：{review.signed_by}  {local_time(review.signed_at)}\n")
                archive.writestr(_entry(f"{folder}/验收意见_{m:02d}.txt"), text)
        for n, announcement in enumerate(task.announcements.prefetch_related("objections"), 1):
            archive.writestr(_entry(f"销号公示_{n:02d}.docx"), notice_docx(announcement.body, announcement, signing_review(announcement)))
            manifest.append(f"销号公示_{n:02d}.docx：{announcement.starts_on}至{announcement.ends_on}")
            for objection in announcement.objections.all():
                manifest.append(f"  异议 {objection.received_on}：{objection.get_resolution_display()} {objection.resolution_note}")
        closure = Closure.objects.filter(task=task).order_by("-id").first()
        if closure:
            archive.writestr(_entry("销号.txt"), f"销号编号：{closure.number}\n销号日期：{closure.closed_on:%Y年%m月%d日}\n")
            manifest.append(f"销号：{closure.number}（{closure.closed_on}）")
        archive.writestr(_entry("目录.txt"), "\n".join(manifest) + "\n")
    spool.seek(0)
    return spool
