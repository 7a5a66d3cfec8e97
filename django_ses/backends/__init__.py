"""The email backends: :mod:`~django_ses.backends.ses` (``SESBackend``) and
:mod:`~django_ses.backends.queued` (``QueuedSESBackend``)."""
