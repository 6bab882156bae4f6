"""One local Dask cluster for every engine test (starting one costs seconds)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cluster():
    import distributed  # the test extra installs dask[distributed]: never skipped

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster
