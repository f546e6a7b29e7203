from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply_done"),
    path("me/", views.portal, name="portal"),
    path("me/forecast/", views.forecast_update, name="forecast_update"),
    path("me/language/", views.language_update, name="language_update"),
    path("me/card.pdf", views.my_card, name="my_card"),
    path("me/data.json", views.my_data, name="my_data"),
    path(
        "me/applications/<id:application_id>/withdraw/",
        views.application_withdraw_view,
        name="application_withdraw",
    ),
    path("me/endorsements/", views.endorsements, name="endorsements"),
    path(
        "me/endorsements/<id:application_id>/",
        views.endorsement_respond,
        name="endorsement_respond",
    ),
    path("board/applications/", views.applications, name="applications"),
    path(
        "board/applications/<id:application_id>/",
        views.application_detail,
        name="application_detail",
    ),
    path(
        "board/applications/<id:application_id>/identity-check/",
        views.application_identity_check,
        name="application_identity_check",
    ),
    path(
        "board/applications/<id:application_id>/decision/",
        views.application_decision,
        name="application_decision",
    ),
    path("board/members/", views.member_list, name="list"),
    path("board/members/<id:number>/", views.member_detail, name="detail"),
    path("board/members/<id:number>/status/", views.member_status, name="status"),
    path("board/members/<id:number>/card/", views.member_card_issue, name="card_issue"),
    path("board/members/<id:number>/card.pdf", views.member_card_pdf, name="card_pdf"),
    path("board/demand/", views.demand, name="demand"),
    path("board/import/", views.import_start, name="import"),
    path("board/import/<id:job_id>/", views.import_status, name="import_status"),
    path("board/import/<id:job_id>/commit/", views.import_commit, name="import_commit"),
    path("counter/card-check/", views.card_check, name="card_check"),
]
