"""The training engine: config, events, the blocking ``run_training``, recipes, evaluation.

Qt-free. Importing this package does not import Keras (every Keras import is inside a
function), so the designer can import it at start-up.
"""

from nnstudio.core.training.config import ConfigError, TrainingConfig, list_devices
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.evaluation import EvaluationResult, evaluate_project, metrics_to_csv
from nnstudio.core.training.stream import deserialize_event, serialize_event
from nnstudio.core.training.supervised import reconstruction_errors
from nnstudio.core.training.telemetry import TelemetryOptions

__all__ = [
    "ConfigError",
    "EvaluationResult",
    "TelemetryOptions",
    "TrainingConfig",
    "deserialize_event",
    "evaluate_project",
    "list_devices",
    "metrics_to_csv",
    "reconstruction_errors",
    "run_training",
    "serialize_event",
]
