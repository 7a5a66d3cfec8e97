"""One-click unsubscribe (RFC 8058) for projects that host their own unsubscribe endpoint.

* :mod:`~django_ses.unsubscribe.tokens`: signed, expiring, per-recipient tokens
  (:mod:`django.core.signing`);
* :mod:`~django_ses.unsubscribe.links`: the absolute unsubscribe URL of a recipient;
* :mod:`~django_ses.unsubscribe.headers`: the ``List-Unsubscribe`` and
  ``List-Unsubscribe-Post`` headers (pure);
* :mod:`~django_ses.unsubscribe.views`: :class:`UnsubscribeView`, the page a
  recipient's mail client posts to.

A message asks for the headers with ``message.ses_unsubscribe = True`` (or the
name of a list); see ``docs/unsubscribe.rst``.
"""
