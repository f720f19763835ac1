"""The benchmark of issue 6: the real server, seeded, driven over sockets by wrk.

Starts `dauth serve` the way users run it, seeds N users with roles by bulk SQL, and
drives every scenario with wrk (a separate process) at concurrency 1 and 32. It also
measures the floor (bench/floor.py: the least work users_me can do on this stack)
and the raw argon2 verify rate, so the server is judged against the physical limits of
its own stack on the same machine, in the same run. Results go to bench/results.json
(keyed by database, user count and workers, merged across runs so sizes accumulate) and
bench/RESULTS.md.

Run through scripts/bench (`python -m bench`), which creates .venv and installs wrk when
missing. The package lives beside its results and is not installed with the app.
"""
