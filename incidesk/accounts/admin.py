"""Users, teams, organisations and API tokens in the Django admin.

Rights follow the role (is_staff/is_superuser are derived in `User.save`), so the admin edits the
role and hides Django's groups and permission flags. Tokens are listed only: they are issued with
`incidesk token create`, and deleting one here revokes it.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any, ClassVar, TypedDict

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Count, ForeignKey, ManyToManyField, QuerySet
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import WithAnnotations

from incidesk.accounts.models import (
    STAFF_ROLES,
    ApiToken,
    Organisation,
    SignInEvent,
    Team,
    User,
)
from incidesk.mfa.admin_actions import reset_second_factor

# Rights follow the role and users' groups are hidden, so a page of Django's permission groups
# would edit what nobody has; its «Группы» would also be mistaken for the support teams.
admin.site.unregister(Group)


class _Members(TypedDict):
    """What `get_queryset` annotates on teams and organisations."""

    member_count: int


@cache
def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserForm(UserChangeForm[User]):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=_time_zone_choices)

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: ClassVar[dict[str, type[forms.Field]]] = {}


class UserCreateForm(AdminUserCreationForm[User]):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "full_name", "role", "organisation")
        field_classes: ClassVar[dict[str, type[forms.Field]]] = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = UserForm
    add_form = UserCreateForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("full_name", "phone", "organisation", "vip", "time_zone", "language")},
        ),
        (_("Access"), {"fields": ("role", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "role",
                    "organisation",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ["email", "full_name", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active", ("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organisation"]
    search_fields = ["email", "full_name", "phone"]
    ordering = ["email"]
    filter_horizontal = ()
    readonly_fields = ["last_login", "date_joined"]
    actions = [reset_second_factor]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["name", "code", "lead", "member_count"]
    list_select_related = ["lead"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["members"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, team: WithAnnotations[Team, _Members]) -> int:
        return team.member_count

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "lead":
            kwargs["queryset"] = User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        if db_field.name == "members":
            kwargs["queryset"] = User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "shared_visibility", "watchers_any_address", "member_count"]
    list_filter = ["shared_visibility", "watchers_any_address"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, organisation: WithAnnotations[Organisation, _Members]) -> int:
        return organisation.member_count


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["prefix", "user", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["prefix", "user__email"]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin[SignInEvent]):
    """Who signed in, or failed to, how and from where: read only, like the timeline."""

    list_display = ("at", "login", "user", "method", "second_factor", "succeeded", "ip")
    list_filter = ("succeeded", "method", "second_factor", "at")
    search_fields = ("login", "ip")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SignInEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SignInEvent | None = None) -> bool:
        return False
