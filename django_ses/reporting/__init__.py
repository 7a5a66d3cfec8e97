"""Reporting: SES sending statistics, quota and identities, stored, charted and shown.

One job per module, data flowing one way (SES → fetch → data → store / charts → dashboard):

- :mod:`~django_ses.reporting.data`: the plain data and the pure functions that shape it
  (per-day sums, merging, gaps, rates against AWS's review thresholds);
- :mod:`~django_ses.reporting.advice`: an AWS failure as a sentence for a person;
- :mod:`~django_ses.reporting.clients`: the shared SES clients and the one way they are called;
- :mod:`~django_ses.reporting.fetch`: statistics, quota and account, asked of SES;
- :mod:`~django_ses.reporting.identities`: the sending identities, asked of SES;
- :mod:`~django_ses.reporting.store`: ``SESStat`` rows, written and read;
- :mod:`~django_ses.reporting.charts`: inline SVG charts, pure functions of the data;
- :mod:`~django_ses.reporting.dashboard`: the admin page that shows it all.
"""
