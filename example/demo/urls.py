from __future__ import annotations

from django.urls import path

from demo import views

app_name = "demo"

urlpatterns = [
    path("", views.home, name="home"),
    path("send/", views.send_mail, name="send"),
    path("bulk/", views.bulk_send, name="bulk"),
    path("received-by-ses/", views.accepted, name="accepted"),
    path("received-by-ses/<str:message_id>.eml", views.accepted_raw, name="accepted_raw"),
    path("events/", views.events, name="events"),
    path("timeline/<str:message_id>/", views.timeline, name="timeline"),
    path("inbound/", views.inbound_mail, name="inbound"),
]
