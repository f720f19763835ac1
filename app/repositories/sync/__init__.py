"""Repository functions of a synchronous `Connection`: plain Core statements, built once,
that `Database.run_reads` / `Database.run_writes` run on one connection (or `core.run`
inside an AsyncSession's transaction). Every module beside this package
(app/repositories/*.py) takes an `AsyncSession` instead: the module tells which handle a
function needs."""
