"""Passwords, tokens and one-time codes."""
