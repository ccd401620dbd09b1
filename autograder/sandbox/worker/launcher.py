"""``python run_worker.py JOB_DIR``: the worker's entry point inside the sandbox.

Copied next to the ``sandbox`` package in the job folder, so that the folder
is the first entry of ``sys.path``.
"""

import sys

from sandbox.worker.main import run

sys.exit(run(sys.argv[1]))
