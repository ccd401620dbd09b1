"""The untrusted side: runs one student notebook inside the sandbox.

This package (with :mod:`autograder.sandbox.protocol`) is copied into the
worker's job folder and run there as ``python run_worker.py JOB_DIR``; it
imports nothing else of :mod:`autograder` and trusts nothing it is told back.
The trusted parent (:mod:`autograder.sandbox.supervise`) has already turned the
notebook into a :class:`~autograder.sandbox.protocol.WorkerJob`: the student's
code cells minus the graded test cells, and the tests to run with their cases.

- :mod:`.main`      the steps: prologue, cells, tests, integrity
- :mod:`.process`   rlimits, the uid, the network, alarms, the event channel
- :mod:`.watch`     the reference watch: calls into reference code while graded
- :mod:`.snapshot`  module attributes before and after, to report patches
- :mod:`.results`   a test's outcomes as ``payload.json`` and ``.npy`` files
"""
