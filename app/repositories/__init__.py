"""SQL only: no rules, no errors of the API."""
