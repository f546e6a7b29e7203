from django.urls import path

from compliance import views

app_name = "compliance"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/schedules/", views.schedules, name="schedules"),
    path("reports/<id:run_id>/", views.report, name="report"),
    path("reports/<id:run_id>/file", views.report_file, name="file"),
    path("reports/<id:run_id>/data.<str:fmt>", views.report_data, name="data"),
    path("reports/<id:run_id>/submitted", views.report_submitted, name="submitted"),
]
