from django.urls import path

from prevention import views

app_name = "prevention"
urlpatterns = [
    path("prevention/", views.desk, name="desk"),
    path("prevention/trends/", views.trends_page, name="trends"),
    path("prevention/appointments/new/", views.appointment_new, name="appointment_new"),
    path("prevention/certificates/new/", views.certificate_new, name="certificate_new"),
    path("prevention/concept/", views.concept, name="concept"),
    path("prevention/concept/<id:version>/", views.concept, name="concept_version"),
    path("prevention/concept/new/", views.concept_new, name="concept_new"),
    path("prevention/services/new/", views.service_new, name="service_new"),
    path("prevention/services/<id:pk>/", views.service_edit, name="service_edit"),
    path("prevention/articles/new/", views.article_new, name="article_new"),
    path("prevention/articles/<id:pk>/", views.article, name="article"),
    path("prevention/articles/<id:pk>/edit/", views.article_edit, name="article_edit"),
    path("prevention/events/new/", views.event_new, name="event_new"),
    path("prevention/events/<id:pk>/", views.event_edit, name="event_edit"),
    path("prevention/events/<id:pk>/attendance/", views.event_attendance, name="event_attendance"),
    path("prevention/signals/", views.signals_page, name="signals"),
    path("prevention/contacts/new/", views.contact_find, name="contact_find"),
    path("prevention/contacts/<id:number>/new/", views.contact_new, name="contact_new"),
    path("prevention/help/", views.help_page, name="help"),
    path("prevention/help/consent/", views.consent, name="consent"),
    path("prevention/handouts/", views.handouts, name="handouts"),
    path("prevention/handouts/<id:pk>/", views.handout, name="handout"),
]
