"""The Deploy page's background job: its variants are built in a child Python.

:func:`measure_in_child` runs on the page's :class:`~nnstudio.ui.workers.jobs.JobRunner`
thread and drives ``python -m nnstudio.core.export.variant_worker``: it hands over a saved
copy of the project, turns the child's lines into the job's progress, and returns its
records. A converter or runtime that crashes ends the child, not the window: the job fails
with how the child died. Cancelling kills the child at once. A spare child (:func:`warm_worker`,
called when the Deploy page is shown and after each job) has Keras loaded before it is
needed, so a measurement does not wait seconds for the import. Must not import Qt or Keras.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from nnstudio.core.export.deployment import ExportError
from nnstudio.ui.workers.engine_process import Spare, describe_exit
from nnstudio.ui.workers.jobs import JobCancelled

#: Seconds between two looks at the job's cancel flag while the child works.
CANCEL_POLL_S = 0.1


def _start_worker() -> tuple[subprocess.Popen, IO[bytes]]:
    stderr = tempfile.TemporaryFile()
    command = [sys.executable, "-m", "nnstudio.core.export.variant_worker"]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr), stderr


_workers: Spare[tuple[subprocess.Popen, IO[bytes]]] = Spare(_start_worker, lambda worker: worker[0].poll() is None)


def warm_worker() -> None:
    """Start a spare worker now, unless one waits already: it loads Keras before it is needed."""
    _workers.warm()


def close_worker() -> None:
    """End the spare worker, if any (it exits when its stdin closes)."""
    spare = _workers.drop()
    if spare is not None:
        _close(spare[0].stdin)
        spare[0].wait()
        spare[1].close()


def measure_in_child(context, project, specs: list[dict[str, Any]], folder: str) -> list[dict[str, Any]]:
    """Build and measure ``specs`` of ``project`` (a snapshot) in a child; return their records.

    Progress arrives as ``(text, fraction)`` on ``context.progress``.

    Raises
    ------
    ExportError
        What the child reported (a converter's refusal, naming the layer...), or how it
        died (a native crash, out of memory, killed), in one sentence.
    JobCancelled
        The job was cancelled; the child was killed.
    """
    from nnstudio.core.project import save_project

    child, stderr = _workers.take()
    with tempfile.TemporaryDirectory(prefix="nnstudio-deploy-") as scratch, stderr:
        source = Path(scratch) / "deploy.nnstudio"
        save_project(project, source)
        try:
            child.stdin.write(json.dumps({"project": str(source), "specs": specs, "folder": folder}).encode() + b"\n")
            child.stdin.flush()
        except OSError:
            pass  # it died before the request: how is said below
        threading.Thread(target=_kill_when_cancelled, args=(context, child), daemon=True).start()
        records, error = [], ""
        for raw in child.stdout:
            try:
                item = json.loads(raw)
            except ValueError:
                continue  # not an answer line
            if "progress" in item:
                text, fraction = item["progress"]
                context.progress((str(text), float(fraction)))
            elif "record" in item:
                records.append(item["record"])
            elif "error" in item:
                error = str(item["error"])
        _close(child.stdin)
        child.wait()
        if context.cancelled():
            raise JobCancelled("The deployment job was cancelled.")
        if error:
            raise ExportError(error)
        if child.returncode != 0 or len(records) != len(specs):
            raise ExportError(describe_exit("The deployment worker", child, stderr))
        return records


def _close(stream: IO[bytes]) -> None:
    """Close a child's stdin; one that died first leaves a broken pipe, which is no news here."""
    try:
        stream.close()
    except OSError:
        pass


def _kill_when_cancelled(context, child: subprocess.Popen) -> None:
    while child.poll() is None:
        if context.cancel_event.wait(CANCEL_POLL_S):
            child.kill()
            return
