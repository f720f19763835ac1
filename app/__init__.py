"""Directus-compatible users and authentication server."""
