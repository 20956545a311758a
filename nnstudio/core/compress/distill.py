"""Knowledge distillation: a student learns from a teacher's softened class scores.

The loss is ``alpha * hard + (1 - alpha) * T^2 * KL(teacher_T || student_T)`` (Hinton et
al., 2015): ``hard`` is the project's own loss on the labels, and ``teacher_T`` and
``student_T`` are both networks' class distributions softened by the temperature ``T``.
Networks ending in softmax give probabilities; their logarithms serve as logits.

The teacher is another network of the project (with trained weights) or a ``.keras`` file
(loaded with ``safe_mode``). The student trains inside a :class:`DistillingModel`, a
functional model over the student's own layers whose ``compute_loss`` adds the soft term,
so the engine's callbacks, telemetry and stored weights see the student's layers.

Must not import Qt. Keras is imported inside the functions only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nnstudio.core.messages import one_line
from nnstudio.core.training.config import ConfigError

EPSILON = 1e-7


def load_teacher(project: Any, teacher: str) -> Any:
    """Return the teacher model: a trained network of ``project`` or a ``.keras`` file.

    Raises
    ------
    ConfigError
        When the name is neither, the network has no trained weights, or the file does not load.
    """
    if teacher in project.networks:
        if not project.weights.get(teacher):
            raise ConfigError(
                f"The teacher network `{teacher}` has no trained weights; train it first. "
                f"Received: teacher={teacher!r}."
            )
        from nnstudio.core.compile import compile_project

        return compile_project(project, teacher)
    path = Path(teacher)
    if path.suffix != ".keras" or not path.is_file():
        raise ConfigError(
            f"The teacher must be a network of the project ({', '.join(project.networks)}) or an "
            f"existing .keras file. Received: teacher={teacher!r}."
        )
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:
        text = one_line(str(exc))[:200]
        raise ConfigError(f"The teacher file `{path}` does not load as a Keras model. Received: {text}") from exc


def ends_in_softmax(model: Any) -> bool:
    """Whether ``model``'s output layer applies a softmax (its outputs are probabilities)."""
    layer = model.layers[-1]
    if type(layer).__name__ == "Softmax":
        return True
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "") == "softmax"


def distilling_model(student: Any, teacher: Any, temperature: float, alpha: float) -> Any:
    """Return a model that trains ``student``'s layers against ``teacher``'s soft targets.

    Parameters
    ----------
    student:
        The functional model to train; its layers (and weights) are shared, not copied.
    teacher:
        A trained model with the same input and output shapes; it is never trained.
    temperature:
        Softens both distributions; 2-8 is usual.
    alpha:
        Weight of the hard-label loss; the soft targets get ``1 - alpha``.

    Raises
    ------
    ConfigError
        When the teacher's input or output shape differs from the student's.
    """
    import keras
    from keras import ops

    for what, mine, theirs in (("input", student.inputs, teacher.inputs), ("output", student.outputs, teacher.outputs)):
        if len(mine) != 1 or len(theirs) != 1 or tuple(mine[0].shape[1:]) != tuple(theirs[0].shape[1:]):
            raise ConfigError(
                f"Teacher and student must have one {what} of the same shape. Received: "
                f"student {[tuple(t.shape) for t in mine]}, teacher {[tuple(t.shape) for t in theirs]}."
            )
    teacher.trainable = False
    student_probs, teacher_probs = ends_in_softmax(student), ends_in_softmax(teacher)

    def soft_logits(values, probabilities: bool):
        logits = ops.log(ops.clip(values, EPSILON, 1.0)) if probabilities else values
        return ops.softmax(logits / temperature, axis=-1)

    # The teacher is reached through a closure so that Keras does not track it as a
    # sub-layer of the student: its weights stay out of the student's weights.
    predict_teacher = lambda x: teacher(x, training=False)

    class DistillingModel(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            hard = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
            target = ops.stop_gradient(soft_logits(predict_teacher(x), teacher_probs))
            guess = soft_logits(y_pred, student_probs)
            kl = ops.sum(
                target * (ops.log(ops.clip(target, EPSILON, 1.0)) - ops.log(ops.clip(guess, EPSILON, 1.0))), axis=-1
            )
            return alpha * hard + (1.0 - alpha) * temperature**2 * ops.mean(kl)

    return DistillingModel(inputs=student.inputs, outputs=student.outputs, name=student.name)


def parameter_count(model: Any) -> int:
    """Return the number of weights (trainable or not) of ``model``."""
    return int(sum(int(w.numpy().size) if hasattr(w, "numpy") else int(w.size) for w in model.weights))
