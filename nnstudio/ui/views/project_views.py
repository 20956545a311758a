"""Which family views a project gets: ``views_for_project(project) -> [(title, view)]``.

The training dashboard adds one tab per pair, routes every training event to each view's
``handle`` and refreshes dirty views from its timer (or each view runs its own with
``start_auto_refresh``); after a run's weights land in the project it calls each view's
``set_project(project)``. Must not import Keras.
"""

from __future__ import annotations

from nnstudio.core.graph import Graph
from nnstudio.ui.views.attention import AttentionMapView
from nnstudio.ui.views.base import FamilyView
from nnstudio.ui.views.gan import GanLossView, SampleGridView
from nnstudio.ui.views.reconstruction import ReconstructionView
from nnstudio.ui.views.sequence import SequencePredictionView
from nnstudio.ui.views.text_box import TextPredictionBox

SEQUENCE_SOURCES = ("adding", "sine", "sawtooth", "mixture")
RECURRENT_TYPES = ("SimpleRNN", "LSTM", "GRU", "Bidirectional")
TEXT_TASK = "text_classification"


def views_for_project(project, dataset=None) -> list[tuple[str, FamilyView]]:
    """Return the family views that fit ``project``, each as ``(tab title, view)``.

    Parameters
    ----------
    project:
        The open project: its recipe, data source and layers decide the views.
    dataset:
        The loaded :class:`~nnstudio.core.data.Dataset`, when the caller has it; it gives
        the GAN view the real 2-D points and the sequence view its input sequences.

    Returns
    -------
    list of (str, FamilyView)
        GAN: generated samples and GAN losses. Autoencoder: reconstructions (with anomaly
        scores when ``project.view["anomaly"]`` is set). Text data: a sentence box.
        Attention layers anywhere (blocks included): attention maps. Sequence data or
        recurrent layers: sequence predictions. Empty when none applies. Every view has
        already received ``set_project(project)``.
    """
    recipe = project.training.get("recipe", "supervised")
    source = project.data.get("source", "")
    types = set()
    for graph in project.networks.values():
        types |= _layer_types(graph)
    views: list[tuple[str, FamilyView]] = []
    if recipe == "gan":
        grid = SampleGridView()
        if dataset is not None and tuple(dataset.input_shape) == (2,):
            grid.set_real(dataset.x_train)
        views += [("Generated samples", grid), ("GAN losses", GanLossView())]
    if recipe == "autoencoder":
        views.append(("Reconstructions", ReconstructionView()))
    if source == "sentiment" or (dataset is not None and dataset.task == TEXT_TASK):
        views.append(("Try a sentence", TextPredictionBox()))
    if "MultiHeadAttention" in types:
        views.append(("Attention maps", AttentionMapView()))
    if recipe == "supervised" and (
        source in SEQUENCE_SOURCES or (types & set(RECURRENT_TYPES) and source not in ("sentiment",))
    ):
        sequence = SequencePredictionView()
        if dataset is not None:
            sequence.set_inputs(dataset.x_val if dataset.x_val is not None else dataset.x_train)
        views.append(("Sequence predictions", sequence))
    for _, view in views:
        view.set_project(project)
    return views


def _layer_types(graph: Graph) -> set[str]:
    types = set()
    for node in graph:
        types.add(node.type)
        if node.block is not None:
            types |= _layer_types(node.block)
    return types
