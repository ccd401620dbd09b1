"""Where the jobs run: a pool on this machine, or a Dask cluster.

Both offer ``map_unordered(fn, tasks)`` (:class:`~autograder.executors.local.Executor`):

- :mod:`~autograder.executors.local`         threads on this machine, each with a slot
- :mod:`~autograder.executors.dask_cluster`  one Dask task per job (client side)
- :mod:`~autograder.executors.dask_staging`  what runs on a Dask worker around each job
"""
