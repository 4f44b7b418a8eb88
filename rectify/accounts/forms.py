from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from rectify.core.params import IdChoiceField
from rectify.core.types import AuthedUser


class ChinesePasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "确认新密码"
        for field in self.fields.values():
            field.error_messages["required"] = "请填写此项。"

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        password2 = cleaned.get("new_password2")
        if password2 and not self.has_error("new_password2") and self.user.check_password(password2):
            self.add_error("new_password2", forms.ValidationError("新密码不能与原密码相同。", code="password_unchanged"))
        return cleaned


class TOTPForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=12, error_messages={"required": "请输入手机验证器上显示的 6 位动态口令。"})

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())
        if len(code) != 6:
            raise forms.ValidationError("动态口令为 6 位数字。")
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(label="恢复码", max_length=40, error_messages={"required": "请输入启用动态口令时保存的恢复码。"})


NOT_YOURSELF = "不能重置自己的动态口令；如需更换手机，请用恢复码登录后由其他管理员重置。"


class ResetSecondFactorForm(forms.Form):
    """Step one of a reset: whose second factor (by username; not the administrator's own)."""

    username = forms.CharField(label="用户名", max_length=150, error_messages={"required": "请输入要重置的用户名。"})

    def __init__(self, *args: Any, actor: AuthedUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        from .models import User

        cleaned: dict[str, Any] = super().clean() or {}
        username = (cleaned.get("username") or "").strip()
        if username:
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                self.add_error("username", "没有这个用户名。")
            elif user.pk == self.actor.pk:
                self.add_error("username", NOT_YOURSELF)
            else:
                cleaned["user"] = user
        return cleaned


class ConfirmResetForm(forms.Form):
    """Step two: the user chosen in step one, by id, and the administrator's confirmation."""

    user = IdChoiceField(
        queryset=None, widget=forms.HiddenInput, error_messages={"required": "请先选择要重置的用户。", "invalid_choice": "没有这个用户。"})
    confirm = forms.BooleanField(widget=forms.HiddenInput, error_messages={"required": "请在确认页上点击“确认重置”。"})

    def __init__(self, *args: Any, actor: AuthedUser, **kwargs: Any) -> None:
        from .models import User

        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["user"].queryset = User.objects.select_related("unit")  # type: ignore[attr-defined]

    def clean_user(self) -> AuthedUser:
        user: AuthedUser = self.cleaned_data["user"]
        if user.pk == self.actor.pk:
            raise forms.ValidationError(NOT_YOURSELF)
        return user
