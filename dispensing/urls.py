from django.urls import path

from dispensing import views

app_name = "dispensing"
urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("counter/find/", views.counter_find, name="find"),
    path("counter/members/<id:number>/", views.counter_member, name="member"),
    path("counter/members/<id:number>/dispense/", views.counter_dispense, name="dispense"),
    path("counter/receipts/<id:receipt>.pdf", views.receipt, name="receipt"),
    path("counter/receipts/<id:receipt>/leaflet.pdf", views.leaflet, name="leaflet"),
    path("counter/receipts/<id:receipt>/print.pdf", views.receipt_and_leaflet, name="print"),
    path("me/quota/", views.my_quota, name="my_quota"),
    path("board/dispensings/", views.log, name="log"),
    path("board/dispensings/<id:receipt>/reverse/", views.reverse, name="reverse"),
]
