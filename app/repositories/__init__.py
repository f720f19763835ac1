"""SQL only: no rules, no errors of the API.

Which transaction handle a function takes is told by its module: the modules here take an
`AsyncSession` (a unit of `Database.read` / `Database.write`); those in `sync/` take a
synchronous `Connection` (`Database.run_reads` / `Database.run_writes`, or `core.run`
inside a session's transaction). `core` holds what both share."""
