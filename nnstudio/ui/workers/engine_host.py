"""The engine process's main: import Keras, then run one training job for the designer.

Started as ``python -m nnstudio.ui.workers.engine_host`` by
:mod:`nnstudio.ui.workers.engine_process`, so that training (and the Keras import) never
holds the designer's GIL and a crash of the engine never takes the window down. Protocol:

1. At once the process imports Keras, freezes its heap, and writes the frame ``{"kind":
   "ready", "keras": "Keras 3.x (tensorflow)", "devices": [...], "frozen_objects": N}`` (or
   ``{"kind": "failed", "message": ...}`` and exits 1). Frames are :func:`nnstudio.core.training.stream.encode_frame` on the
   original stdout; anything else printed goes to stderr.
2. It reads one JSON line from stdin: ``{"project": path, "output": path, "resume": bool,
   "checkpoint_dir": str | null, "network": str | null, "telemetry": {...},
   "memory_limit": bytes | null}`` (how much more address space the run may take).
3. It runs :func:`nnstudio.core.training.engine.run_training`, writing every event as a
   frame. Lines ``pause``, ``resume`` and ``stop`` on stdin control the run; the end of
   stdin (the designer is gone) stops it.
4. It saves the trained project to ``output`` and exits 0.

Once Keras is imported, the process freezes its heap (:func:`nnstudio.core.heap.freeze_heap`;
``frozen_objects`` counts what it froze): a full garbage collection over the import's objects
otherwise paused one epoch of every run for 165 ms.

The process lowers its own CPU priority (:data:`ENGINE_NICENESS`) before Keras starts its
threads, so that on a machine with few cores the window is served first: measured with
``benchmarks/training_overhead.py`` on 2 cores, the GUI's lateness p99 fell from 19-36 ms to
11-14 ms with no loss of training throughput (painting takes little CPU; it just no longer
waits for a time slice behind the engine's threads).

Lives in ``ui/workers`` beside its driver, but must not import Qt (nor anything from
``nnstudio.ui`` that does).
"""

from __future__ import annotations

import json
import os
import sys
import threading

from nnstudio.core.child import answer_stream

#: How much the engine lowers its CPU priority (``os.nice``; 0 is the window's, 19 the lowest).
ENGINE_NICENESS = 10


def _lower_priority() -> None:
    """Yield the CPU to the window; where the platform has no ``nice`` (Windows), do nothing."""
    if hasattr(os, "nice"):
        os.nice(ENGINE_NICENESS)


def _limit_memory(extra: int | None) -> None:
    """Let the address space grow by at most ``extra`` bytes beyond its size now (Keras loaded)."""
    if not extra:
        return
    import resource

    with open("/proc/self/statm", encoding="ascii") as fh:
        current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = current + int(extra)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _listen(pause: threading.Event, stop: threading.Event) -> None:
    """Apply control lines from stdin until it closes (then stop: nobody is watching)."""
    for raw in sys.stdin:
        word = raw.strip()
        if word == "pause":
            pause.set()
        elif word == "resume":
            pause.clear()
        elif word == "stop":
            stop.set()
            pause.clear()
    stop.set()
    pause.clear()


def main() -> int:
    """Run the protocol above; return the exit status."""
    frames, lock = answer_stream(binary=True), threading.Lock()
    _lower_priority()
    from nnstudio.core.training.stream import encode_frame

    def send(item) -> None:
        data = encode_frame(item)
        with lock:
            frames.write(data)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        devices = os.environ.get("NNSTUDIO_ENGINE_DEVICES")
        if devices:  # a data-parallel run on simulated devices: split the CPU before Keras starts
            from nnstudio.core.distribute.devices import split_host_devices

            split_host_devices(int(devices), os.environ.get("KERAS_BACKEND", "tensorflow"))
        import keras

        from nnstudio.core.heap import freeze_heap
        from nnstudio.core.project import load_project, save_project
        from nnstudio.core.training.config import list_devices
        from nnstudio.core.training.engine import run_training
        from nnstudio.core.training.telemetry import TelemetryOptions

        hello = {
            "kind": "ready",
            "keras": f"Keras {keras.__version__} ({keras.backend.backend()})",
            "devices": list_devices(),
        }
        # Before "ready": an engine that said it is ready is idle.
        hello["frozen_objects"] = freeze_heap(collect=True)
        send(hello)
    except Exception as exc:  # reported to the designer, which stays up
        from nnstudio.core.training.context import one_line

        send({"kind": "failed", "message": one_line(exc)})
        return 1
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the designer closed without a job for this spare engine
    job = json.loads(line)
    project = load_project(job["project"])
    pause, stop = threading.Event(), threading.Event()
    threading.Thread(target=_listen, args=(pause, stop), name="engine-control", daemon=True).start()
    _limit_memory(job.get("memory_limit"))
    run_training(
        project,
        report=send,
        should_stop=stop.is_set,
        pause=pause,
        network=job.get("network"),
        telemetry=TelemetryOptions(**job.get("telemetry", {})),
        checkpoint_dir=job.get("checkpoint_dir"),
        resume=bool(job.get("resume")),
    )
    save_project(project, job["output"])
    send({"kind": "saved"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
