"""The Explain view on the Evaluate page: attributions of a trained network's predictions.

Must not import Keras at module level.
"""

from nnstudio.ui.explain.page import EvaluatePage
from nnstudio.ui.explain.view import ExplainView
from nnstudio.ui.explain.worker import ExplainRequest, ExplainSummary, ExplainWorker

__all__ = ["EvaluatePage", "ExplainRequest", "ExplainSummary", "ExplainView", "ExplainWorker"]
