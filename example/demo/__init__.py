"""The example's pages: send mail, see what SES received, events and inbound mail."""
