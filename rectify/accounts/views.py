"""Login with lockout and a second factor, password change, TOTP enrolment and the audit logs."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from rectify.core.types import AuthedRequest, AuthedUser
from rectify.core.views.lists import ScopedListView

from . import security
from .filters import LoginEventFilter
from .forms import ChinesePasswordChangeForm, ConfirmResetForm, RecoveryCodeForm, ResetSecondFactorForm, TOTPForm
from .models import LoginEvent, PersonalDataAccess
from .permissions import can
from .tables import DataAccessTable, LoginEventTable

SESSION_NEXT = "rectify_mfa_next"
SESSION_NEW_CODES = "rectify_new_recovery_codes"
PAGE_SIZE = 50


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("tasks:ledger")


class LoginView(auth_views.LoginView):
    """Django's login plus lockout per account and per address, the login log and the second factor."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = (request.POST.get("username") or "").strip()
        until = security.locked_until(username, security.client_ip(request))
        if until is not None:
            security.record_event(request, LoginEvent.Kind.LOCKED, username=username)
            form = self.get_form()
            return self.render_to_response(self.get_context_data(form=form, lockout=security.lockout_message(until)), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = (self.request.POST.get("username") or "").strip()
        context: dict[str, Any] = {"form": form}
        if username:
            security.record_event(self.request, LoginEvent.Kind.FAILURE, username=username)
            until = security.locked_until(username, security.client_ip(self.request))
            if until is not None:
                context["lockout"] = security.lockout_message(until)
        return self.render_to_response(self.get_context_data(**context))

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        response = super().form_valid(form)  # logs in; the user_logged_in signal marks the session
        security.record_event(self.request, LoginEvent.Kind.LOGIN, user=user, success=True)
        if self.request.session.get(security.SESSION_MFA_PENDING):
            self.request.session[SESSION_NEXT] = self.get_success_url()
            device = security.totp_device(user, confirmed=True)
            return redirect("accounts:mfa_verify" if device else "accounts:mfa_enrol")
        return response


def logout_view(request: HttpRequest) -> HttpResponse:
    """POST only (a link must not log anyone out); the logout is recorded by the signal handler."""
    if request.method != "POST":
        return HttpResponse("请使用页面上的“退出”按钮退出登录。", status=405, content_type="text/plain; charset=utf-8")
    logout(request)
    return redirect("accounts:login")


def _finish_mfa(request: HttpRequest) -> HttpResponse:
    request.session.pop(security.SESSION_MFA_PENDING, None)
    request.session.cycle_key()
    return HttpResponseRedirect(_safe_next(request, request.session.pop(SESSION_NEXT, None)))


def _mfa_failed(request: AuthedRequest) -> HttpResponse | None:
    """Log a wrong second factor; past the lockout threshold log the session out (the login page says until when)."""
    security.record_event(request, LoginEvent.Kind.MFA_FAILURE, user=request.user)
    until = security.locked_until(request.user.username, security.client_ip(request))
    if until is None:
        return None
    logout(request)
    messages.error(request, security.lockout_message(until))
    return redirect("accounts:login")


def _wait_message(seconds: int) -> str:
    return f"错误次数较多，请 {seconds} 秒后再输入。"


@login_required
def mfa_verify(request: AuthedRequest) -> HttpResponse:
    """The second step of a login: the authenticator's code, or one of the recovery codes."""
    device = security.totp_device(request.user, confirmed=True)
    if device is None:
        return redirect("accounts:mfa_enrol")
    if not request.session.get(security.SESSION_MFA_PENDING):
        return redirect("accounts:security")
    use_recovery = request.method == "POST" and "recovery_code" in request.POST
    form = TOTPForm(request.POST if request.method == "POST" and not use_recovery else None)
    recovery_form = RecoveryCodeForm(request.POST if use_recovery else None)
    if use_recovery and recovery_form.is_valid():
        if security.verify_recovery_code(request.user, recovery_form.cleaned_data["recovery_code"]):
            security.record_event(request, LoginEvent.Kind.RECOVERY_CODE, user=request.user, success=True)
            left = security.recovery_codes_left(request.user)
            messages.warning(request, f"您使用了一个恢复码，还剩 {left} 个；请尽快在“账号安全”页重新生成恢复码。")
            return _finish_mfa(request)
        locked = _mfa_failed(request)
        if locked is not None:
            return locked
        recovery = security.recovery_device(request.user)
        wait = security.throttled_for(recovery) if recovery else 0
        recovery_form.add_error("recovery_code", "恢复码不正确或已使用过。" + (_wait_message(wait) if wait > 1 else ""))
    elif request.method == "POST" and not use_recovery and form.is_valid():
        if security.verify_code(device, form.cleaned_data["code"]):
            security.record_event(request, LoginEvent.Kind.MFA_OK, user=request.user, success=True)
            return _finish_mfa(request)
        locked = _mfa_failed(request)
        if locked is not None:
            return locked
        device.refresh_from_db()
        wait = security.throttled_for(device)
        form.add_error("code", "动态口令不正确或已使用过，请等待验证器刷新后输入新的口令。" + (_wait_message(wait) if wait > 1 else ""))
    has_errors = bool(form.errors or recovery_form.errors)
    return render(request, "accounts/mfa_verify.html", {"form": form, "recovery_form": recovery_form, "use_recovery": use_recovery},
                  status=400 if has_errors else 200)


@login_required
def mfa_enrol(request: AuthedRequest) -> HttpResponse:
    device = security.enrolment_device(request.user)
    if device.confirmed:
        if request.session.get(security.SESSION_MFA_PENDING):
            return redirect("accounts:mfa_verify")
        messages.info(request, "您已启用动态口令。")
        return redirect("accounts:security")
    form = TOTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if security.verify_code(device, form.cleaned_data["code"], throttle=False):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = security.new_recovery_codes(request.user)
            security.record_event(request, LoginEvent.Kind.MFA_OK, user=request.user, success=True)
            messages.success(request, "动态口令已启用，以后登录时须输入验证器上的口令。")
            # The second factor is done; the page with the new recovery codes links on to SESSION_NEXT.
            request.session.pop(security.SESSION_MFA_PENDING, None)
            request.session.cycle_key()
            request.session[SESSION_NEW_CODES] = codes
            return redirect("accounts:recovery_codes")
        form.add_error("code", "动态口令不正确，请核对手机时间是否准确后重试。")
    secret = security.secret_base32(device)
    context = {
        "form": form, "uri": security.provisioning_uri(device),
        "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "required": request.user.requires_second_factor,
    }
    return render(request, "accounts/mfa_enrol.html", context, status=400 if form.errors else 200)


@login_required
def recovery_codes(request: AuthedRequest) -> HttpResponse:
    """New recovery codes are shown once (right after enrolment or regeneration, then forgotten by the
    session); a POST replaces them, which invalidates the old ones."""
    if security.totp_device(request.user, confirmed=True) is None:
        messages.info(request, "请先启用动态口令，恢复码随之生成。")
        return redirect("accounts:security")
    if request.method == "POST":
        codes = security.new_recovery_codes(request.user)
        security.record_event(request, LoginEvent.Kind.RECOVERY_CODES_NEW, user=request.user, success=True)
        request.session[SESSION_NEW_CODES] = codes
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(SESSION_NEW_CODES, None)
    next_url = request.session.pop(SESSION_NEXT, None) if codes else None
    return render(request, "accounts/recovery_codes.html", {
        "codes": codes, "left": security.recovery_codes_left(request.user),
        "next_url": _safe_next(request, next_url) if next_url else reverse("accounts:security"),
    })


def _refuse_unless_allowed(request: AuthedRequest) -> None:
    if not can(request.user, "accounts.reset_second_factor"):
        raise PermissionDenied("只有系统管理员可以重置他人的动态口令。")


@login_required
def mfa_reset(request: AuthedRequest) -> HttpResponse:
    """An administrator removes a user's authenticator and recovery codes (a lost phone): the user
    enrols again at the next login when the role requires it. Step one: choose the user; a valid
    choice shows who it is, with the button of step two (``mfa_reset_confirm``)."""
    _refuse_unless_allowed(request)
    form = ResetSecondFactorForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["user"]
        confirm = ConfirmResetForm(initial={"user": target.pk, "confirm": True}, actor=request.user)
        return render(request, "accounts/mfa_reset_confirm.html", {
            "form": confirm, "target": target, "codes_left": security.recovery_codes_left(target),
            "has_device": security.totp_device(target, confirmed=True) is not None,
        })
    return render(request, "accounts/mfa_reset.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def mfa_reset_confirm(request: AuthedRequest) -> HttpResponse:
    """Step two: the reset itself, only with the chosen user's id and the confirmation."""
    _refuse_unless_allowed(request)
    form = ConfirmResetForm(request.POST, actor=request.user)
    if not form.is_valid():
        errors = [e for field in form for e in field.errors]
        return render(request, "accounts/mfa_reset.html", {"form": ResetSecondFactorForm(actor=request.user), "errors": errors},
                      status=400)
    target = form.cleaned_data["user"]
    with transaction.atomic():
        removed = security.reset_second_factor(target)
        security.record_event(request, LoginEvent.Kind.MFA_RESET, user=target, success=True)
    if removed:
        messages.success(request, f"已重置 {target.get_username()} 的动态口令和恢复码，其已登录的会话全部退出；下次登录时须重新启用。")
    else:
        messages.info(request, f"{target.get_username()} 尚未启用动态口令，无需重置。")
    return redirect("accounts:mfa_reset")


SIGNATURE_MAX_BYTES = 1024 * 1024


@login_required
def signature(request: AuthedRequest) -> HttpResponse:
    """Upload (PNG/JPG, read from the content) or remove the user's own signature image."""
    from rectify.core.files import detect_kind

    if request.method != "POST":
        return redirect("accounts:security")
    user = request.user
    old = (user.signature_image.name or "") if user.signature_image else ""
    if request.POST.get("remove"):
        with transaction.atomic():
            user.signature_image = ""
            user.save(update_fields=["signature_image"])
            _signature_history(user, old, "", "删除签名图片")
        if old:
            transaction.on_commit(lambda: user.signature_image.storage.delete(old))
        messages.success(request, "签名图片已删除。")
        return redirect("accounts:security")
    upload = request.FILES.get("signature_image")
    if upload is None:
        messages.error(request, "请选择签名图片。")
    elif (upload.size or 0) > SIGNATURE_MAX_BYTES:
        messages.error(request, "签名图片不能超过 1 MB。")
    elif detect_kind(upload) not in {"png", "jpg"}:
        messages.error(request, "签名图片只接受 PNG 或 JPG 图片（按文件内容判断）。")
    else:
        user.signature_image.save(f"x.{detect_kind(upload)}", upload, save=False)
        stored = user.signature_image.name or ""
        try:
            with transaction.atomic():
                user.save(update_fields=["signature_image"])
                _signature_history(user, old, stored, "上传签名图片")
        except BaseException:
            user.signature_image.storage.delete(stored)
            raise
        if old:
            user.signature_image.storage.delete(old)
        messages.success(request, "签名图片已更新，今后的验收意见将附此签名。")
    return redirect("accounts:security")


def _signature_history(user: AuthedUser, before: str, after: str, reason: str) -> None:
    """One history row for the change of a user's signature image (users have no public id: one is derived)."""
    from uuid import NAMESPACE_URL, uuid5

    from rectify.core.history import record_change
    from rectify.core.models import ChangeRecord

    derived = uuid5(NAMESPACE_URL, f"rectify:user:{user.pk}")

    class Subject:
        _meta = user._meta
        uuid = derived

        def __str__(self) -> str:
            return f"用户 {user.get_username()}"

    record_change(Subject(), ChangeRecord.Action.UPDATE, before={"signature_image": before},  # type: ignore[arg-type]
                  after={"signature_image": after}, reason=reason, user=user)


@login_required
def signature_image(request: AuthedRequest) -> FileResponse:
    """The user's own signature image (for the profile page)."""
    from rectify.core.files import serve_file

    if not request.user.signature_image:
        from django.http import Http404

        raise Http404("尚未上传签名图片")
    return serve_file(request.user.signature_image, "签名", inline_images=True)


@login_required
def security_page(request: AuthedRequest) -> HttpResponse:
    device = security.totp_device(request.user, confirmed=True)
    events = LoginEvent.objects.filter(user=request.user).order_by("-at")[:10]
    expires = None
    max_age = security.password_max_age()
    changed = request.user.password_changed_at or request.user.date_joined
    if max_age and changed:
        expires = changed + max_age
    return render(request, "accounts/security.html", {
        "device": device, "recovery_codes_left": security.recovery_codes_left(request.user) if device else 0, "events": events, "password_expires": expires,
        "password_expired": security.password_expired(request.user),
    })


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ChinesePasswordChangeForm
    success_url = reverse_lazy("accounts:security")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user  # the view requires a login
        context["expired"] = user.is_authenticated and security.password_expired(user)
        return context

    def form_valid(self, form: ChinesePasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        security.record_event(self.request, LoginEvent.Kind.PASSWORD_CHANGED, user=form.user, success=True)
        messages.success(self.request, "密码已修改。")
        return response


class LoginEventList(ScopedListView):
    model = LoginEvent
    countless = True  # a log: newest first, never counted whole
    deferred = True  # the page's keys from the index of its order
    action = "system.audit_log"
    denied = "只有系统管理员可以查看安全审计日志。"
    filterset_class = LoginEventFilter
    table_class = LoginEventTable
    paginate_by = PAGE_SIZE
    template_name = "accounts/login_events.html"
    title = "登录日志"
    empty = "没有符合条件的登录记录。"

    def narrow(self, qs: QuerySet[LoginEvent]) -> QuerySet[LoginEvent]:
        return qs.select_related("user").order_by("-at", "-pk")


class DataAccessList(ScopedListView):
    model = PersonalDataAccess
    countless = True  # a log: newest first, never counted whole
    deferred = True  # the page's keys from the index of its order
    action = LoginEventList.action
    denied = LoginEventList.denied
    table_class = DataAccessTable
    paginate_by = PAGE_SIZE
    template_name = "accounts/data_access.html"
    title = "个人信息访问记录"
    empty = "暂无个人信息访问记录。"

    def narrow(self, qs: QuerySet[PersonalDataAccess]) -> QuerySet[PersonalDataAccess]:
        return qs.select_related("user").order_by("-at", "-pk")


login_events = LoginEventList.as_view()
data_access_log = DataAccessList.as_view()


