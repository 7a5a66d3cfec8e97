"""Amazon SNS over HTTPS: the envelope, its signature, the signing certificates, subscriptions.

- :mod:`django_ses.sns.envelope`: parsing and checking the SNS JSON (pure);
- :mod:`django_ses.sns.certificates`: the trusted certificate hosts and the
  bounded, cached certificate fetch;
- :mod:`django_ses.sns.signature`: SNS signature verification (v1 and v2);
- :mod:`django_ses.sns.subscription`: ``ConfirmSubscription`` through the SNS API.

Nothing here touches the database or Django's request objects.
"""
