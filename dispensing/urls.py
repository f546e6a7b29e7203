from django.urls import path

from dispensing import views

app_name = "dispensing"
urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("counter/find/", views.counter_find, name="find"),
    path("counter/members/<int:number>/", views.counter_member, name="member"),
    path("counter/members/<int:number>/dispense/", views.counter_dispense, name="dispense"),
    path("counter/receipts/<int:receipt>.pdf", views.receipt, name="receipt"),
    path("counter/receipts/<int:receipt>/leaflet.pdf", views.leaflet, name="leaflet"),
    path("me/quota/", views.my_quota, name="my_quota"),
    path("board/dispensings/", views.log, name="log"),
    path("board/dispensings/<int:receipt>/reverse/", views.reverse, name="reverse"),
]
