"""Portal forms: input parsing only; rules live in the services they feed."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from apikeys.models import ALL_SCOPES, DEFAULT_ROLL_GRACE, MAX_ROLL_GRACE
from portal.models import TenantUser


class PortalLoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class PortalPasswordResetForm(PasswordResetForm):
    """Tenant users only; a user made by SSO or a login link has no password yet, and this
    is how they set one."""

    def get_users(self, email):
        return get_user_model()._default_manager.filter(
            email__iexact=email, is_active=True, tenant_membership__isnull=False
        )


class KeyCreateForm(forms.Form):
    label = forms.CharField(max_length=100, required=False)
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in ALL_SCOPES],
        initial=ALL_SCOPES,
        widget=forms.CheckboxSelectMultiple,
    )


class KeyRollForm(forms.Form):
    grace_hours = forms.IntegerField(
        min_value=0,
        max_value=int(MAX_ROLL_GRACE.total_seconds() // 3600),
        initial=int(DEFAULT_ROLL_GRACE.total_seconds() // 3600),
        label="Old key keeps working for (hours)",
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=TenantUser.Role.choices)
