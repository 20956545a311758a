"""Source text for generated scripts: Python literals and the training-settings section.

Used by :mod:`nnstudio.core.export.python_code`. Must not import Qt. Keras is imported inside
the functions only (to name the optimizer class).
"""

from __future__ import annotations

import json
from typing import Any


def literal(value: Any) -> str:
    """Return Python source for a JSON-like value: double-quoted strings, lists as tuples."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def settings_block(training: dict[str, Any]) -> str:
    """Return the module constants ``BATCH_SIZE``, ``EPOCHS`` and ``SEED``.

    Parameters
    ----------
    training:
        The project's training dict (schema defaults filled in).
    """
    return "\n".join(
        [
            "# Training settings from the nnstudio project.",
            f"BATCH_SIZE = {int(training.get('batch_size') or 32)}",
            f"EPOCHS = {int(training.get('epochs') or 10)}",
            f"SEED = {int(training.get('seed') or 0)}",
        ]
    )


def compile_function(training: dict[str, Any], outputs: list[tuple[str, str]] | None = None) -> str:
    """Return ``def compile_model(model)`` with the project's optimizer, losses and metrics.

    Parameters
    ----------
    training:
        The project's training dict.
    outputs:
        ``(output node id, Keras output name)`` pairs of the network, in output order
        (:func:`nnstudio.core.training.losses.output_pairs`); None means one output. Several
        outputs get a loss (with its arguments) and a weight each, keyed by output name.

    Raises
    ------
    ValueError
        When the optimizer name is not a Keras optimizer.
    """
    from nnstudio.core.compile.settings import optimizer_class_and_kwargs
    from nnstudio.core.training.losses import loss_source

    cls, kwargs = optimizer_class_and_kwargs(training.get("optimizer"))
    args = ", ".join(f"{k}={literal(v)}" for k, v in kwargs.items())
    outputs = outputs or [("output", "output")]
    losses = loss_source(training.get("loss"), training.get("loss_weights"), outputs)
    metrics = f"[{', '.join(literal(m) for m in training.get('metrics') or [])}]"
    if len(outputs) > 1:
        metrics = "{" + ", ".join(f"{literal(name)}: {metrics}" for _, name in outputs) + "}"
    return "\n".join(
        [
            "def compile_model(model):",
            '    """Compile ``model`` with the project\'s optimizer, loss and metrics; return it."""',
            "    model.compile(",
            f"        optimizer=keras.optimizers.{cls.__name__}({args}),",
            *(f"        {key}={source}," for key, source in losses.items()),
            f"        metrics={metrics},",
            "    )",
            "    return model",
        ]
    )


def train_function(training: dict[str, Any]) -> str:
    """Return ``def train(model, x, y, x_val=None, y_val=None)`` (early stopping when enabled).

    Parameters
    ----------
    training:
        The project's training dict.
    """
    stopping = training.get("early_stopping") or {}
    lines = [
        "def train(model, x, y, x_val=None, y_val=None):",
        '    """Fit ``model`` with the project\'s batch size and epochs; return the history."""',
    ]
    if stopping.get("enabled"):
        lines += [
            "    callbacks = [",
            "        keras.callbacks.EarlyStopping(",
            f"            monitor={literal(stopping.get('monitor', 'val_loss'))},",
            f"            patience={int(stopping.get('patience', 5))},",
            f"            restore_best_weights={bool(stopping.get('restore_best_weights', True))},",
            "        )",
            "    ]",
        ]
    else:
        lines.append("    callbacks = []")
    lines += [
        "    validation_data = None if x_val is None else (x_val, y_val)",
        "    return model.fit(",
        "        x, y, batch_size=BATCH_SIZE, epochs=EPOCHS,",
        "        validation_data=validation_data, callbacks=callbacks,",
        "    )",
    ]
    return "\n".join(lines)


def main_block() -> str:
    """Return the ``if __name__ == "__main__":`` section: seed, build, compile, summary."""
    return "\n".join(
        [
            'if __name__ == "__main__":',
            "    keras.utils.set_random_seed(SEED)",
            "    model = compile_model(build_model())",
            "    model.summary()",
        ]
    )
