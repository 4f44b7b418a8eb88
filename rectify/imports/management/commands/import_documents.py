"""``rectify import FILE... [--region CODE] [--user USERNAME] [--yes]``: plan documents into the ledger.

Each file is read, a summary of what would be written is printed, and after confirmation
(or with ``--yes``) it is applied exactly as the web import's “确认导入” does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rectify.core.context import acting_as
from rectify.core.types import AuthedUser
from rectify.imports import services
from rectify.imports.models import ImportBatch
from rectify.regions.models import Region


class Command(BaseCommand):
    help = "导入整改方案 / 行动计划文档到整改台账（先显示识别结果，确认后写入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="要导入的文档")
        parser.add_argument("--region", metavar="CODE", help="导入到的区划代码；不写时按文档中写明的区划识别")
        parser.add_argument(
            "--user", metavar="USERNAME",
            help="以哪个用户的名义导入（记入变更记录）；只能导入到该用户作为整改办可管理的区划",
        )
        parser.add_argument("--yes", "-y", action="store_true", help="不询问，直接导入")
        parser.add_argument(
            "--skip-invalid", action="store_true",
            help="跳过缺少时限或责任单位等需要修改的任务，只导入其余任务（默认整份文档不导入）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"没有区划代码为 {options['region']} 的区划")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"没有用户名为 {options['user']} 的用户")
        failed = 0
        with acting_as(user):
            for name in options["files"]:
                if not self._import_one(Path(name), region, user, options["yes"], options["skip_invalid"]):
                    failed += 1
        if failed:
            raise CommandError(f"{failed} 个文件没有导入")

    # ------------------------------------------------------------------

    def _import_one(self, path: Path, region: Region | None, user: AuthedUser | None, yes: bool, skip_invalid: bool = False) -> bool:
        """True when the file was imported, or had been imported before; False on failure or refusal."""
        self.stdout.write(self.style.MIGRATE_HEADING(f"== {path.name}"))
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.stderr.write(f"无法读取文件 {path}：{exc.strerror or exc}")
            return False
        try:
            batch = services.start_import(data, path.name, user=user, region=region)
        except services.DuplicateDocument as dup:
            self.stdout.write(self.style.WARNING(dup.message))
            return True
        except services.ImportFailed as exc:
            self.stderr.write(exc.message)
            return False
        if batch.region is None:  # parse_upload always places a batch in a region
            raise TypeError("an imported batch has no region")
        preview = services.build_preview(batch.parsed or {}, batch.region, batch.content_hash)
        invalid = {tp.index: {**tp.row, "skip": True} for tp in preview.tasks if tp.errors and not tp.skip}
        if skip_invalid and invalid:
            services.save_edits(batch, invalid)
            preview = services.build_preview(batch.parsed or {}, batch.region, batch.content_hash)
            self.stdout.write(self.style.WARNING(f"按 --skip-invalid 跳过需要修改的任务 {len(invalid)} 项。"))
        self._print_preview(preview)
        if not preview.can_import:
            services.cancel_import(batch)
            if preview.duplicate:
                self.stdout.write(self.style.WARNING(preview.duplicate.message))
                return True
            for blocker in preview.blockers:
                self.stderr.write(blocker)
            errors = services.first_errors(preview)
            if errors:
                self.stderr.write(errors)
                self.stderr.write("请在网页的导入核对页面中修改这些任务后再导入，或加 --skip-invalid 只导入其余任务。")
            return False
        if not yes and not self._ask("确认导入？[y/N] "):
            services.cancel_import(batch)
            self.stdout.write("已取消，台账没有任何改动。")
            return False
        try:
            result = services.apply_import(batch, user=user)
        except services.ImportFailed as exc:
            self.stderr.write(exc.message)
            ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
                status=ImportBatch.Status.FAILED, error=exc.message
            )
            return False
        self.stdout.write(self.style.SUCCESS(result.summary()))
        return True

    def _ask(self, prompt: str) -> bool:
        try:
            answer = input(prompt)
        except EOFError:
            return False
        return answer.strip().lower() in {"y", "yes", "是", "确认"}

    def _print_preview(self, preview: services.Preview) -> None:
        doc = preview.parsed
        counts = preview.counts()
        out = self.stdout.write
        out(f"类别：{preview.kind_label}")
        out(f"标题：{doc.get('title') or '—'}")
        out(f"区划：{preview.region.full_name}（{preview.region.code}）；文档中写的是：{doc.get('region') or '—'}")
        facts = preview.inspection_facts
        if facts:
            state = "关联已有督察" if preview.inspection else "将新建督察"
            out(f"督察：{facts['team']}（{state}）；文档中：{services.inspection_summary(facts)}")
            if preview.inspection_lookalike:
                out(self.style.WARNING(
                    f"  系统中已有同名督察组，但层级、轮次或日期不一致，不关联：{services.inspection_summary(preview.inspection_lookalike)}"
                ))
        if preview.existing_plan:
            out(
                f"已有方案“{preview.existing_plan.title}”：新增 {counts['new']} 项，修改 {counts['changed']} 项，"
                f"无变化 {counts['same']} 项"
            )
        out(f"任务：{counts['tasks']} 项" + (f"，其中待完善 {counts['incomplete']} 项" if counts["incomplete"] else ""))
        for tp in preview.tasks:
            row = tp.row
            title = (row.get("title") or row.get("problem") or row.get("target") or "")[:40]
            deadline = "长期坚持" if row.get("long_term") else (row.get("deadline") or "—")
            mark = f"[{tp.change_label}] " if tp.change_label else ""
            out(f"  {mark}{row.get('seq')}. {title}  时限：{deadline}")
            for label, old, new in tp.changes:
                out(f"      {label}：{old[:60]} → {new[:60]}")
            if tp.skip:
                out("      （不导入）")
                continue
            for message in tp.error_list:
                out(self.style.ERROR(f"      ！{message}"))
            if tp.gaps:
                out(self.style.WARNING(f"      待完善：{'；'.join(tp.gaps)}（照常导入，在台账中标出）"))
        matched_units, new_units = preview.units()
        out(f"已有单位 {len(matched_units)} 个：{'、'.join(matched_units) or '—'}")
        out(f"新单位 {len(new_units)} 个（将新建）：{'、'.join(new_units) or '—'}")
        for warning in preview.warnings:
            out(self.style.WARNING(warning))
        if preview.unparsed:
            out(self.style.WARNING(f"以下内容未能识别，请核对（{len(preview.unparsed)} 处）："))
            for item in preview.unparsed[:50]:
                line = f"第 {item['line']} 行：" if item.get("line") else ""
                out(f"  {line}{item['text'][:100]}")
