from django.urls import include, path

from django_ses.views import SESEventWebhookView

urlpatterns = [
    path("ses/event-webhook/", SESEventWebhookView.as_view()),
    path("everything/", include("django_ses.urls")),
]
