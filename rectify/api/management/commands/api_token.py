"""Issue, list and revoke API bearer tokens.

    manage.py api_token create USERNAME --name 月报脚本 --days 90 [--read-only]
    manage.py api_token list [--user USERNAME]
    manage.py api_token revoke ID
"""
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from rectify.core.context import acting_as
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord

from ...models import ApiToken

SNAPSHOT_EXCLUDE = ("id", "created_at", "updated_at", "key_hash")


class Command(BaseCommand):
    help = "管理接口令牌：create 新建（令牌只显示一次）、list 列出、revoke 吊销"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户新建令牌")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="用途，例如“月报脚本”")
        create.add_argument("--days", type=int, default=90, help="有效天数（默认 90）")
        create.add_argument("--read-only", action="store_true", help="只读令牌：不能修改数据")
        listing = sub.add_parser("list", help="列出令牌")
        listing.add_argument("--user", help="只列出该用户的令牌")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("id", help="令牌编号（list 中的“编号”）或公开编号")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def do_create(self, username: str, name: str, days: int, read_only: bool, **_: Any) -> None:
        if days < 1 or days > 3650:
            raise CommandError("有效天数应在 1 至 3650 之间")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        if not user.is_active:
            raise CommandError(f"用户 {username} 已停用")
        with transaction.atomic(), acting_as(None):
            token, key = ApiToken.issue(user, name.strip()[:100], days=days, read_only=read_only)
            record_change(token, ChangeRecord.Action.CREATE, after=snapshot(token, SNAPSHOT_EXCLUDE), reason="命令行新建接口令牌")
        self.stdout.write(f"已为 {username} 新建令牌 #{token.pk}（{token.get_scope_display()}，{token.expires_at:%Y-%m-%d} 过期）")
        self.stdout.write("令牌只显示这一次，请立即妥善保存：")
        self.stdout.write(key)

    def do_list(self, user: str | None = None, **_: Any) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("id")
        if user:
            tokens = tokens.filter(user__username=user)
        self.stdout.write("编号\t用户\t名称\t前缀\t权限\t状态\t过期时间\t最近使用")
        for t in tokens:
            last = timezone.localtime(t.last_used_at).strftime("%Y-%m-%d %H:%M") if t.last_used_at else "从未"
            self.stdout.write(
                f"{t.pk}\t{t.user.username}\t{t.name}\t{t.key_prefix}…\t{t.get_scope_display()}\t{t.status}\t"
                f"{timezone.localtime(t.expires_at):%Y-%m-%d}\t{last}"
            )

    def do_revoke(self, id: str, **_: Any) -> None:
        lookup = {"pk": int(id)} if id.isdigit() else {"uuid": id}
        try:
            token = ApiToken.objects.filter(**lookup).first()
        except Exception:  # a malformed uuid
            token = None
        if token is None:
            raise CommandError(f"令牌 {id} 不存在")
        if token.revoked_at:
            self.stdout.write(f"令牌 #{token.pk} 已于 {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M} 吊销")
            return
        with transaction.atomic(), acting_as(None):
            before = snapshot(token, SNAPSHOT_EXCLUDE)
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at", "updated_at"])
            record_change(token, ChangeRecord.Action.UPDATE, before=before, after=snapshot(token, SNAPSHOT_EXCLUDE), reason="命令行吊销接口令牌")
        self.stdout.write(f"已吊销令牌 #{token.pk}（{token.name}）")
