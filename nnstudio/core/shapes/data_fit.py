"""Does the loaded data fit a network, judged from its shape report (no model is built)?

The designer lists these sentences in Problems as soon as the data source changes, instead
of at Start; training checks the built model the same way (``check_compatibility``).
Must not import Qt or Keras.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.graph import Graph, input_nodes, output_nodes
from nnstudio.core.shapes.precheck import output_shape


def data_fit_problems(graph: Graph, report: Any, dataset: Any, training: dict[str, Any]) -> list[str]:
    """Return sentences saying how ``dataset`` does not fit ``graph`` (empty when it fits or is unknown).

    Parameters
    ----------
    graph:
        The network to train.
    report:
        Its current shape report; None (still inferring) gives no problems.
    dataset:
        The loaded :class:`~nnstudio.core.data.Dataset`.
    training:
        ``project.training``: its ``recipe`` and ``loss`` decide how the labels must look.

    Returns
    -------
    list of str
        One message per problem, each saying what to change.
    """
    from nnstudio.core.data import check_compatibility
    from nnstudio.core.training.losses import single_loss_name

    if report is None or dataset is None or training.get("recipe") == "gan":
        return []
    inputs = []
    for node in input_nodes(graph):
        shape = output_shape(report, node.id, 0)
        if shape is None:
            return []
        inputs.append((node.id, tuple(shape)))
    outputs = output_nodes(graph)
    autoencoder = training.get("recipe") == "autoencoder"
    out = output_shape(report, outputs[0].id, 0) if len(outputs) == 1 and not autoencoder else None
    loss = None if autoencoder else single_loss_name(training.get("loss"))
    return check_compatibility(dataset, inputs, out, loss=loss)
