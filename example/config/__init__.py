"""Django project configuration of the django_ses example."""
