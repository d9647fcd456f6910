"""Portal pages under /portal/ (namespace "portal")."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("login", views.PortalLoginView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path("password-reset", views.PortalPasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent",
        auth_views.PasswordResetDoneView.as_view(
            template_name="portal/registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/registration/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("sso/<str:token>", views.sso_login, name="sso"),
    path("keys", views.keys, name="keys"),
    path("keys/<str:key_id>/roll", views.key_roll, name="key_roll"),
    path("keys/<str:key_id>/revoke", views.key_revoke, name="key_revoke"),
    path("members", views.members, name="members"),
    path("usage", views.usage, name="usage"),
    path("usage.csv", views.usage_csv, name="usage_csv"),
    path("docs", views.docs, name="docs"),
    path("webhooks", views.webhooks, name="webhooks"),
    path("webhooks/<str:endpoint_id>", views.webhook_deliveries, name="webhook_deliveries"),
    path("events/<str:event_id>/redeliver", views.event_redeliver, name="event_redeliver"),
]
