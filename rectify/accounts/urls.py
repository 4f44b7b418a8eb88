from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security_page, name="security"),
    path("signature/", views.signature, name="signature"),
    path("signature.img", views.signature_image, name="signature_image"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("mfa/reset/", views.mfa_reset, name="mfa_reset"),
    path("mfa/reset/confirm/", views.mfa_reset_confirm, name="mfa_reset_confirm"),
    path("audit/logins/", views.login_events, name="login_events"),
    path("audit/personal-data/", views.data_access_log, name="data_access_log"),
]
