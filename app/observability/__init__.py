"""Logs, metrics and traces: what the server tells its operators. Nothing here imports the web
framework, the services or the resolvers, so every layer may report through it."""
