from django.urls import path

from harvests import views

app_name = "harvests"
urlpatterns = [
    path("grow/", views.dashboard, name="dashboard"),
    path("grow/strains/new/", views.strain_new, name="strain_new"),
    path("grow/batches/new/", views.batch_new, name="batch_new"),
    path("grow/batches/<str:code>/stage/", views.batch_stage, name="batch_stage"),
    path("grow/batches/<str:code>/harvest/", views.batch_harvest, name="batch_harvest"),
    path("grow/batches/<str:code>/destroy/", views.batch_destroy, name="batch_destroy"),
    path("grow/harvests/<id:harvest_id>/lab/", views.harvest_lab, name="harvest_lab"),
    path("grow/harvests/<id:harvest_id>/lot/", views.harvest_lot, name="harvest_lot"),
    path("grow/lots/<str:code>/release/", views.lot_release, name="lot_release"),
    path("grow/lots/<str:code>/recall/", views.lot_recall, name="lot_recall"),
    path("grow/lots/<str:code>/destroy/", views.lot_destroy, name="lot_destroy"),
    path("grow/lots/<str:code>/correct/", views.lot_correct, name="lot_correct"),
    path("grow/propagation/", views.propagation, name="propagation"),
    path("grow/transports/new/", views.transport_new, name="transport_new"),
    path("grow/incidents/new/", views.incident_new, name="incident_new"),
    path("grow/plan/", views.plan, name="plan"),
    path("grow/balance/", views.balance, name="balance"),
]
