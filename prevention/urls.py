from django.urls import path

from prevention import views

app_name = "prevention"
urlpatterns = [
    path("prevention/trends/", views.trends_page, name="trends"),
]
