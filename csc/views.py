"""Pages that draw on several apps at once; they live in the composition root, which may import
every app. The member's home: quota, card and the polls open to them."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from club.roles import SIGNED_IN, role_required
from club.selectors import rulebook_get
from dispensing.quotas import quota_for
from dispensing.selectors import club_today
from governance.selectors import open_polls_for, upcoming_assemblies
from members.selectors import member_of_user


@role_required(SIGNED_IN)
def member_home(request: HttpRequest) -> HttpResponse:
    from club.checkpoints import latest, signed

    member = member_of_user(request.user)
    if member is None:
        raise Http404
    checkpoint = latest()
    return render(
        request,
        "csc/member_home.html",
        {
            "member": member,
            "quota": quota_for(member, rulebook_get(), club_today()),
            "open_polls": open_polls_for(member),
            "assemblies": upcoming_assemblies()[:3],
            "checkpoint": checkpoint and signed(checkpoint),
        },
    )
