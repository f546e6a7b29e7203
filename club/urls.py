from django.urls import path

from club import views

app_name = "club"
urlpatterns = [
    path("", views.home, name="home"),
    path("club/edit/", views.club_edit, name="edit"),
    path("account/", views.account, name="account"),
    path("account/tokens/<id:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
