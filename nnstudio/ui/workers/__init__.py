"""Background work for the designer, off the GUI thread.

:mod:`~nnstudio.ui.workers.jobs` is the one mechanism (a job with progress, cancel, a
generation token that drops stale results, errors as messages); training, evaluation,
data loading, autosave and the start-up Keras load all run on it. Training itself runs
in the engine process (:mod:`~nnstudio.ui.workers.engine_process`, whose child is
:mod:`~nnstudio.ui.workers.engine_host`), or in a thread when asked. Keras objects never
leave the worker; only plain-data events cross.
"""
