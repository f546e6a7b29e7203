from django.urls import path

from governance import views

app_name = "governance"
urlpatterns = [
    path("assemblies/", views.assembly_list, name="list"),
    path("assemblies/<id:assembly_id>/", views.assembly_detail, name="detail"),
    path(
        "assemblies/<id:assembly_id>/documents/<id:document_id>/", views.document, name="document"
    ),
    path("assemblies/<id:assembly_id>/minutes.pdf", views.minutes_pdf, name="minutes"),
    path(
        "assemblies/<id:assembly_id>/minutes/confirm/",
        views.minutes_confirm_view,
        name="minutes_confirm",
    ),
    path("polls/<id:poll_id>/vote/", views.vote, name="vote"),
    path("board/assemblies/", views.board_list, name="board_list"),
    path("board/assemblies/<id:assembly_id>/", views.board_detail, name="board_detail"),
    path("board/assemblies/<id:assembly_id>/action/", views.board_action, name="board_action"),
]
