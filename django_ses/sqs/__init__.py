"""SES events through Amazon SQS: the second way in, beside the webhook.

:mod:`~django_ses.sqs.messages` reads an SQS message body (an SNS envelope, or
an SES record sent with raw message delivery); :mod:`~django_ses.sqs.handling`
runs it through the webhook's own pipeline (signature, topic allow-list,
ledger, dispatch or queueing); :mod:`~django_ses.sqs.consumer` long-polls the
queues and deletes what was handled. ``manage.py ses_events_consume`` runs it.
"""
