"""A read-only Django admin for intermediary coordinators.

Read-only because every write must go through a service that audits it: the admin's own
save() would bypass the chain. Querysets come from the access module like every other read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

from intermediary.access import policy
from intermediary.access.models import Disclosure
from intermediary.accounts.models import Membership, Organisation, User
from intermediary.dossiers.models import Dossier


class IntermediaryAdminSite(admin.AdminSite):
    site_header = "intermediary (read-only)"
    site_title = "intermediary admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, policy.Perm.ADMIN_SITE)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            # Logged-in users without the right do not learn the admin exists.
            if request.user.is_authenticated:
                policy.require_or_404(request.user, policy.Perm.ADMIN_SITE, path=request.path)
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """One login page for the whole site (with its lockout)."""
        query = urlencode({"next": request.GET.get("next", resolve_url("admin:index"))})
        return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    scope: Callable[[Any], QuerySet[Any]] | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if self.scope is None:
            return qs.none()
        return qs.filter(pk__in=self.scope(request.user).values("pk"))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return policy.can(request.user, policy.Perm.ADMIN_SITE)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, policy.Perm.ADMIN_SITE)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _dossier_children(model: type[Model]) -> Callable[[Any], QuerySet[Any]]:
    return lambda user: model.objects.filter(dossier__in=policy.visible_dossiers(user))  # type: ignore[attr-defined]


class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "short_name", "kind", "created_at")
    scope = staticmethod(policy.visible_organisations)


class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "first_name", "last_name", "is_active", "last_login")
    exclude = ("password",)
    scope = staticmethod(policy.visible_users)


class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "organisation", "role")

    @staticmethod
    def scope(user: Any) -> QuerySet[Any]:
        return Membership.objects.filter(user__in=policy.visible_users(user))


class DossierAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "status", "created_at")
    scope = staticmethod(policy.visible_dossiers)


class DisclosureAdmin(ReadOnlyAdmin):
    list_display = ("object_type", "object_id", "recipient", "disclosed_at", "revoked_at")
    scope = staticmethod(_dossier_children(Disclosure))


site = IntermediaryAdminSite(name="admin")
site.register(Organisation, OrganisationAdmin)
site.register(User, UserAdmin)
site.register(Membership, MembershipAdmin)
site.register(Dossier, DossierAdmin)
site.register(Disclosure, DisclosureAdmin)
