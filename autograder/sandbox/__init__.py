"""The sandbox: where a student's notebook runs, and the trusted side that watches it.

- :mod:`~autograder.sandbox.launch`      start one worker process in bubblewrap or as a
                                         plain process, and take it down
- :mod:`~autograder.sandbox.supervise`   run one notebook to raw outcomes: follow the
                                         worker's events with deadlines, restart it past
                                         a cell or test that killed it
- :mod:`~autograder.sandbox.protocol`    the job a worker runs and the events it sends
                                         (shared by both sides)
- :mod:`~autograder.sandbox.payload`     read a worker's outcomes back, safely
- :mod:`~autograder.sandbox.worker`      the untrusted side, run inside the sandbox

The trust boundary runs between :mod:`~autograder.sandbox.worker` (and the
:mod:`~autograder.sandbox.protocol` it shares) and everything else: the worker
package is copied into the sandbox and imports nothing of :mod:`autograder`,
so this ``__init__`` imports nothing either.
"""
