"""The sending pipeline, one way::

    EmailMessage ─▶ options ─▶ batch / payload ─▶ sender ─▶ result
                   (keywords,  (blacklist, MIME,  (throttle, one  (ses_status,
                    settings)   DKIM, size)        call per chunk) message_sent)

* :mod:`~django_ses.sending.options`: constructor keywords and settings, resolved once;
* :mod:`~django_ses.sending.mime`: addresses, recipients and the raw MIME (pure);
* :mod:`~django_ses.sending.request`: the SES API parameters, tags, chunks (pure);
* :mod:`~django_ses.sending.dkim`: manual DKIM signing (dkimpy);
* :mod:`~django_ses.sending.suppression`: the blacklist applied to a send;
* :mod:`~django_ses.sending.payload`: one message rendered, an immutable payload;
* :mod:`~django_ses.sending.batch`: one ``send_messages()`` call, prepared then sent;
* :mod:`~django_ses.sending.quota` and :mod:`~django_ses.sending.throttle`: the
  account's send rate and the rate limiters;
* :mod:`~django_ses.sending.sender`: the one sender (the throttle, one AWS call per chunk);
* :mod:`~django_ses.sending.status` and :mod:`~django_ses.sending.result`:
  ``message.ses_status`` and the one place it is written;
* :mod:`~django_ses.sending.queued_email`, :mod:`~django_ses.sending.progress` and
  :mod:`~django_ses.sending.worker`: the queued payload and the worker side.

The backends (:mod:`django_ses.backends`) only open, close and run this pipeline.
"""
