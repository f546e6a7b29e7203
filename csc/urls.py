from django.contrib import admin
from django.urls import include, path, re_path, register_converter

from club.converters import IdConverter
from club.roles import PUBLIC
from csc.api import api, api_not_found
from csc.views import member_home

# Before the apps' URL modules are read: they use <id:...> for every number in a path.
register_converter(IdConverter, "id")
api_not_found.csc_access = PUBLIC  # type: ignore[attr-defined]

urlpatterns = [
    path("me/home/", member_home, name="member_home"),
    path("", include("club.urls")),
    path("", include("members.urls")),
    path("", include("harvests.urls")),
    path("", include("dispensing.urls")),
    path("", include("governance.urls")),
    path("", include("finance.urls")),
    path("", include("compliance.urls")),
    path("", include("prevention.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),
]

handler403 = "club.views.forbidden"
handler404 = "club.views.not_found"
handler500 = "club.views.server_error"
