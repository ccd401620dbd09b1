"""The Dask suite (each module skips itself when dask.distributed is not installed)."""


def pytest_configure(config):
    # also registered in pyproject.toml with the dask extra; registering twice is harmless
    config.addinivalue_line("markers", "dask: grading on a Dask cluster (tests/dask)")
