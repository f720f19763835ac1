"""Outgoing mail: templates, SMTP or an outbox folder, and a mailer that never fails loudly."""
