"""JobRunner, the one background-work mechanism: progress, cancel, stale results, errors as messages."""

from __future__ import annotations

import os
import threading

import pytest

from nnstudio.core.data.errors import DataError
from nnstudio.core.training.context import error_message
from nnstudio.ui.workers.jobs import JobCancelled, JobRunner

TIMEOUT = 10_000


@pytest.fixture
def runner(qtbot):
    runner = JobRunner("test-job")
    yield runner
    runner.cancel()
    assert runner.wait(10.0)


def test_job_runner_delivers_progress_in_order_then_the_result(qtbot, runner):
    seen = []
    runner.progress.connect(seen.append)

    def work(context, n):
        for i in range(n):
            context.progress(i)
        return threading.current_thread().name

    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT) as blocker:
        runner.submit(work, 5)
    assert seen == [0, 1, 2, 3, 4]
    assert blocker.args == ["test-job"]
    assert not runner.is_running()


def test_job_runner_cancel_reaches_the_running_job(qtbot, runner):
    started = threading.Event()

    def work(context):
        started.set()
        while True:
            context.check()
            context.cancel_event.wait(0.01)

    runner.submit(work)
    assert started.wait(5.0)
    assert runner.is_running()
    with qtbot.waitSignal(runner.cancelled, timeout=TIMEOUT):
        runner.cancel()
    assert not runner.is_running()


def test_job_runner_drops_the_result_and_progress_of_a_superseded_job(qtbot, runner):
    release = threading.Event()
    results, progress = [], []
    runner.finished.connect(results.append)
    runner.progress.connect(progress.append)
    first_cancelled = []

    started = threading.Event()

    def slow(context):
        started.set()
        release.wait(5.0)
        first_cancelled.append(context.cancelled())
        context.progress("old progress")
        return "old"

    def fast(context):
        context.progress("new progress")
        return "new"

    first = runner.submit(slow)
    assert started.wait(5.0)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT):
        second = runner.submit(fast)
        release.set()
    assert second == first + 1 == runner.token
    assert results == ["new"]
    assert progress == ["new progress"]
    assert first_cancelled == [True]


def test_job_runner_runs_queued_jobs_one_at_a_time_on_one_thread(qtbot, runner):
    threads = []
    runner.submit(lambda context: threads.append(threading.get_ident()))
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT):
        runner.submit(lambda context: threads.append(threading.get_ident()))
    assert runner.wait(5.0)
    assert len(threads) in (1, 2) and len(set(threads)) == 1


def test_job_runner_call_runs_a_plain_function_and_delivers_only_the_newest_result(qtbot, runner):
    release = threading.Event()
    results = []
    runner.finished.connect(results.append)
    runner.call(lambda text: release.wait(5.0) and text, "old")
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT):
        runner.call(str.upper, "new")
        release.set()
    assert runner.wait(5.0)
    assert results == ["NEW"]


@pytest.mark.parametrize(
    "exc, message",
    [
        (RuntimeError("disk\n full"), "RuntimeError: disk full"),
        (ValueError("Batch size must be positive. Received: 0."), "Batch size must be positive. Received: 0."),
        (
            DataError("The file `x.csv` has no rows. Received: an empty file."),
            "The file `x.csv` has no rows. Received: an empty file.",
        ),
        (MemoryError(), "Out of memory (MemoryError): try a smaller batch size or a smaller model."),
    ],
)
def test_job_runner_delivers_an_exception_as_one_line(qtbot, runner, exc, message):
    def work(context):
        raise exc

    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT) as blocker:
        runner.submit(work)
    assert blocker.args == [message]
    assert error_message(exc) == message
    assert not runner.is_running()


def test_job_runner_check_raises_only_after_cancel():
    from nnstudio.ui.workers.jobs import JobContext, _Relay

    context = JobContext(1, _Relay())
    context.check()
    context.cancel_event.set()
    with pytest.raises(JobCancelled):
        context.check()


def test_job_runner_discard_drops_the_outcome_of_every_job_so_far(qtbot, runner):
    release = threading.Event()
    runner.submit(lambda context: release.wait(5.0) and "late")
    runner.discard()
    assert not runner.is_running()
    with qtbot.assertNotEmitted(runner.finished, wait=100), qtbot.assertNotEmitted(runner.failed, wait=100):
        release.set()
        assert runner.wait(5.0)


def test_keras_loader_reports_the_keras_version_and_devices_from_the_engine_process(qtbot):
    from nnstudio.ui.app import KerasLoader

    loader = KerasLoader()
    devices = []
    loader.devices_found.connect(devices.append)
    with qtbot.waitSignal(loader.loaded, timeout=120_000) as blocker:
        loader.start()
    assert blocker.args[0].startswith("Keras 3.")
    assert devices and devices[0][0] == "cpu"
    assert loader.finished.is_set()


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="CPU priorities are a POSIX notion")
def test_the_engine_process_runs_at_a_lower_cpu_priority_than_the_window():
    from nnstudio.ui.workers.engine_host import ENGINE_NICENESS
    from nnstudio.ui.workers.engine_process import spare_engine

    engine = spare_engine()
    engine.wait_ready()
    window = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, engine.pid) == min(19, window + ENGINE_NICENESS)


def test_the_engine_process_freezes_its_heap_once_keras_is_loaded():
    """A full collection over Keras' objects would otherwise pause an epoch of every run (165 ms)."""
    from nnstudio.ui.workers.engine_process import spare_engine

    hello = spare_engine().wait_ready()
    assert hello["frozen_objects"] > 100_000


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="reads the child's environment from /proc")
def test_the_engine_process_leaves_one_core_to_the_window(monkeypatch):
    """Ops that fill every core wait for the thread whose core the window took to paint."""
    from nnstudio.ui.workers.engine_process import THREAD_VARIABLES, EngineProcess, engine_threads

    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert engine_threads() == max(1, len(os.sched_getaffinity(0)) - 1)
    engines = [EngineProcess(), EngineProcess(host_devices=2)]
    try:
        environs = [dict(item.split("=", 1) for item in _environ(engine.pid) if "=" in item) for engine in engines]
    finally:
        for engine in engines:
            engine.kill()
    assert all(environs[0].get(name) == str(engine_threads()) for name in THREAD_VARIABLES)
    assert not any(name in environs[1] for name in THREAD_VARIABLES)  # simulated devices keep the host as it is


def _environ(pid: int) -> list[str]:
    with open(f"/proc/{pid}/environ", "rb") as fh:
        return fh.read().decode("utf-8", "replace").split("\0")
