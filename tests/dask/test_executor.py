"""DaskExecutor on its own: plain data across, exceptions as results, slots, staging,
worker loss that exhausts the scheduler's retries."""

from __future__ import annotations

import os
import pickle
import threading
import time

import numpy as np
import pytest

pytest.importorskip("distributed")

import cloudpickle

from autograder.executors import dask_cluster as dx
from autograder.executors import dask_staging as staging
from autograder.installation import code_digest
from autograder.sandbox import launch as sandbox
from autograder.sandbox.protocol import CellTask, Job
from autograder.sandbox.supervise import RawResult, run_job

pytestmark = pytest.mark.dask


def test_tasks_functions_and_results_are_plain_picklable_data():
    job = Job("ann", "cs_conv", "01_naive", "/x", (CellTask(0, "1"),))
    raw = RawResult("ann", "cs_conv", "01_naive", "bwrap")
    payload = [{"meta": {"a": 1}, "arrays": {"out": np.ones(3)}}]
    raw.tests["t"] = {"status": "ok", "payload": payload}
    for obj in (job, raw, run_job, staging.run_staged):
        back = pickle.loads(cloudpickle.dumps(obj))
        assert type(back) is type(obj)
    # the functions travel by reference (the worker imports the same package)
    assert len(cloudpickle.dumps(run_job)) < 200
    assert len(cloudpickle.dumps(staging.run_staged)) < 200
    back = pickle.loads(cloudpickle.dumps(raw))
    np.testing.assert_array_equal(back.tests["t"]["payload"][0]["arrays"]["out"], np.ones(3))


def test_worker_slots_are_distinct_among_running_tasks():
    seen, barrier = [], threading.Barrier(3)

    def hold():
        with staging._worker_slot() as k:
            seen.append(k)
            barrier.wait()

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == [0, 1, 2]
    with staging._worker_slot() as k:
        assert k == 0  # released


def _fake_run(task, slot):
    names = sorted(os.listdir(task.sub_dir)) if os.path.isdir(task.sub_dir) else [task.sub_dir]
    cache = sorted(os.listdir(task.cython_cache)) if task.cython_cache else []
    if task.export_cache:
        os.makedirs(task.export_cache, exist_ok=True)
        with open(os.path.join(task.export_cache, "mod.so"), "wb") as fh:
            fh.write(b"built")
    return names, cache, slot


def test_staging_copies_the_submission_cache_and_exports(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "_local_dir", lambda: str(tmp_path / "worker"))
    monkeypatch.setattr(staging, "_caches", {})
    (tmp_path / "worker").mkdir()
    sub = tmp_path / "ann"
    (sub / "data").mkdir(parents=True)
    (sub / "01_naive.ipynb").write_text("{}")
    (sub / "data" / "x.npy").write_bytes(b"x")
    (sub / ".ipynb_checkpoints").mkdir()
    os.symlink("/etc/passwd", sub / "link")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "m.so").write_bytes(b"m")
    job = Job("ann", "a", "01_naive", str(sub), cython_cache=str(cache))
    files = dx._pack_submission(job.sub_dir)
    cached_entries = ("d" * 64, staging.pack(cache))
    names, cached, slot = staging.run_staged(_fake_run, job, files, cached_entries)[0]
    assert names == ["01_naive.ipynb", "data"]  # same rules as the local copy: no links
    assert cached == ["m.so"]
    assert slot == 0
    assert job.sub_dir == str(sub)  # the caller's task is untouched
    # a flat submission (the notebook alone) stays a file
    flat = dx._pack_submission(str(sub / "01_naive.ipynb"))
    job2 = Job("ann", "a", "01_naive", str(sub / "01_naive.ipynb"))
    names, _, _ = staging.run_staged(_fake_run, job2, flat, None)[0]
    assert names[0].endswith("/01_naive.ipynb")
    assert os.path.isabs(names[0])
    # a compile-only job's exports come back as data
    job3 = Job("b", "a", "c", str(sub), export_cache=str(tmp_path / "exp"))
    _, exported = staging.run_staged(_fake_run, job3, files, None)
    assert exported == [("mod.so", b"built")]
    assert not (tmp_path / "exp").exists()  # the client writes them, not the worker
    assert os.listdir(tmp_path / "worker") == [f"cs-conv-cython-{'d' * 16}"]  # staged once


@pytest.mark.parametrize("bad", ["../x", "/etc/x", "a/../../x", ""])
def test_staging_refuses_paths_outside_the_stage(tmp_path, bad):
    with pytest.raises(ValueError, match="refusing to stage"):
        staging.unpack([(bad, b"x")], tmp_path / "s")


def _square(task, slot):
    if task == 3:
        raise ValueError("boom")
    time.sleep(0.05)
    return task * task, slot, os.getpid()


def _hold_uid(task, slot):
    with sandbox.reserve_uid(slot) as uid:
        t0 = time.monotonic()
        time.sleep(1.0)
        return os.getpid(), slot, uid, t0, time.monotonic()


def test_local_cluster_runs_everything_and_reports_exceptions():
    with dx.DaskExecutor("local:2", in_flight=3) as ex:
        assert ex.workers == 2
        assert {i["code"] for i in ex.workers_info.values()} == {code_digest()}
        got = dict(ex.map_unordered(_square, range(10)))
        assert isinstance(got.pop(3), ValueError)  # the grader's own exception is a result
        assert {k: v[0] for k, v in got.items()} == {k: k * k for k in range(10) if k != 3}
        assert {v[1] for v in got.values()} == {0}  # one thread per worker process
        assert len({v[2] for v in got.values()}) == 2  # both worker processes worked
        if os.geteuid() == 0:
            # both processes start from slot 0: the machine-wide reservation separates them
            runs = [r for _, r in ex.map_unordered(_hold_uid, range(4))]
            for a in runs:
                for b in runs:
                    overlap = a[0] != b[0] and a[3] < b[4] and b[3] < a[4]
                    if overlap:
                        assert a[2] != b[2]
            assert any(a[0] != b[0] and a[3] < b[4] and b[3] < a[4] for a in runs for b in runs)
    assert ex._cluster is None  # closed


def _die_on_two(task, slot):
    if task == 2:
        os._exit(1)  # the Dask worker process dies (as if killed or preempted)
    return task


def test_a_task_that_keeps_killing_workers_is_reported_not_graded():
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        dx.DaskExecutor("local:1") as ex,
    ):
        got, lost = [], None
        try:
            for task, result in ex.map_unordered(_die_on_two, range(4)):
                got.append((task, result))
        except dx.TasksLost as exc:
            lost = exc
    assert sorted(got) == [(0, 0), (1, 1), (3, 3)]  # every other task went on
    assert lost is not None
    assert [t for t, _ in lost.lost] == [2]
    assert "run the same command again" in str(lost)


def _build_or_run(task, slot):
    if task.compile_only:
        time.sleep(1.0)
        os.makedirs(task.export_cache, exist_ok=True)
        with open(os.path.join(task.export_cache, f"{task.notebook}.so"), "wb") as fh:
            fh.write(b"built")
        return "built"
    return sorted(os.listdir(task.cython_cache)) if task.cython_cache else "plain"


def test_a_round_after_the_builds_starts_from_their_modules(tmp_path):
    """The pipeline runs the compile jobs in one round and the notebooks that use their
    modules in the next: the modules the builds exported on the Dask workers are back
    on the client, and travel with every task of the second round."""
    empty = tmp_path / "empty"
    empty.mkdir()
    cache = tmp_path / "cache" / "cython"  # filled here, on the client, from the exports
    builds = [
        Job("cython-build", "a", f"b{k}", str(empty), export_cache=str(cache), compile_only=True)
        for k in range(2)
    ]
    users = [Job(f"s{k}", "a", "n", str(empty), cython_cache=str(cache)) for k in range(3)]
    plain = [Job("p", "a", "n", str(empty))]
    with dx.DaskExecutor("local:2") as ex:
        got = {}
        for round_ in (builds + plain, users):  # the pipeline's two rounds
            got |= {t.student + t.notebook: r for t, r in ex.map_unordered(_build_or_run, round_)}
        lock = threading.Lock()  # like a closure over the pipeline's own state
        with pytest.raises(dx.ClusterError, match="cannot travel"):
            list(ex.map_unordered(lambda t, s: lock, [1]))
    assert got["cython-buildb0"] == got["cython-buildb1"] == "built"
    assert got["pn"] == "plain"
    assert all(got[f"s{k}n"] == ["b0.so", "b1.so"] for k in range(3))
    assert sorted(os.listdir(cache)) == ["b0.so", "b1.so"]
