"""Qt adapters that run long core work off the GUI thread (training in a QThread or a subprocess).

Keras objects never leave the worker thread; only plain-data events cross.
"""
