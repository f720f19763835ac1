"""The rules: permissions, validation, sessions, transactions."""
