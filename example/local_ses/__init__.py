"""A local SES for the example: moto in this process, set up like a real account.

Nothing here is part of django_ses. ``run.py`` starts it; the demo pages use it
to show what SES received and to simulate incoming mail.

* :mod:`local_ses.server` starts moto on 127.0.0.1 and points boto3 at it.
* :mod:`local_ses.provision` verifies the sender domain, creates the SNS topics
  subscribed to the example's webhook, and a receipt rule for inbound mail.
* :mod:`local_ses.mailbox_simulator` plays SES's mailbox simulator: for mail to
  ``success@``, ``bounce@``, ``complaint@``… ``simulator.amazonses.com`` it
  publishes the Delivery, Bounce and Complaint notifications that SES would.
* :mod:`local_ses.notifications` builds those notifications (pure functions).
* :mod:`local_ses.inbound` publishes a ``Received`` notification, as SES does
  when a receipt rule's SNS action receives mail.
* :mod:`local_ses.sent` reads back the messages SES accepted.
"""
