"""allauth writes sign-in data itself; these receivers put those changes on the audit chain."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals

from club.services import security_event_record


def _recorder(action: str) -> Any:
    def receive(sender: Any, user: Any = None, **kwargs: Any) -> None:
        if user is None and "email_address" in kwargs:
            user = kwargs["email_address"].user
        if user is not None and getattr(user, "pk", None):
            security_event_record(user=user, action=action)

    receive.__name__ = f"record_{action.replace('.', '_')}"
    return receive


RECEIVERS = [
    (mfa_signals.authenticator_added, _recorder("mfa.authenticator_add")),
    (mfa_signals.authenticator_removed, _recorder("mfa.authenticator_remove")),
    (mfa_signals.authenticator_reset, _recorder("mfa.authenticator_reset")),
    (account_signals.password_changed, _recorder("user.password_change")),
    (account_signals.password_reset, _recorder("user.password_reset")),
    (account_signals.email_confirmed, _recorder("user.email_confirm")),
]


def _task_starts(**kwargs: Any) -> None:
    from club.context import activate_club_locale

    activate_club_locale()


def _task_ends(**kwargs: Any) -> None:
    from club.context import deactivate_club_locale

    deactivate_club_locale()


def connect() -> None:
    from celery import signals as celery_signals

    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=receiver.__name__)
    # Every Celery task runs in the club's timezone and language, as the pages do.
    celery_signals.task_prerun.connect(_task_starts, dispatch_uid="csc_task_locale_on")
    celery_signals.task_postrun.connect(_task_ends, dispatch_uid="csc_task_locale_off")
