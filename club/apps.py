from typing import Any

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _grant_app_role(sender: Any, **kwargs: Any) -> None:
    from club.dbroles import db_roles_grant

    db_roles_grant()


class BoardAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "club.admin_site.BoardAdminSite"


class ClubConfig(AppConfig):
    default = True
    name = "club"
    verbose_name = _("Club")

    def ready(self) -> None:
        from club import navigation, signals
        from club.audit import register_created_crosscheck
        from club.models import ApiToken, Club, User
        from club.roles import SIGNED_IN, Role

        signals.connect()
        from club import digests

        post_save.connect(digests.register_saved, dispatch_uid="csc_record_digests")
        post_migrate.connect(_grant_app_role, dispatch_uid="csc_db_roles")
        register_created_crosscheck(Club, "club.create")
        register_created_crosscheck(User, "user.create")
        register_created_crosscheck(ApiToken, "apitoken.create")
        navigation.register(navigation.NavItem("club:home", _("Dashboard"), SIGNED_IN, 0))
        navigation.register(
            navigation.NavItem("club:edit", _("Club settings"), frozenset({Role.BOARD.value}), 90)
        )
        navigation.register(navigation.NavItem("club:account", _("My account"), SIGNED_IN, 200))


@checks.register()
def check_document_engine(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every PDF is rendered by WeasyPrint: say what to install where its libraries are absent."""
    from club.documents import INSTALL_HINT, DocumentEngineMissing, engine

    try:
        engine()
    except DocumentEngineMissing as exc:
        return [
            checks.Error(
                "WeasyPrint cannot load its system libraries, so no PDF can be made.",
                hint=INSTALL_HINT,
                obj=str(exc.__cause__)[:200],
                id="csc.E010",
            )
        ]
    return []
