"""The e-mail channel: mails composed from the core's contents, sent by SMTP to a relay (or the outbox), bounces."""
