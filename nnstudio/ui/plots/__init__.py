"""Live training plots (pyqtgraph) and their dashboard.

Views append events to bounded buffers and redraw only from the dashboard's single timer.
Importing this package imports Qt and pyqtgraph, never Keras.
"""

from nnstudio.ui.plots.buffers import MetricBuffer
from nnstudio.ui.plots.dashboard import Dashboard
from nnstudio.ui.plots.decision_boundary import DecisionBoundaryView
from nnstudio.ui.plots.feature_maps import FeatureMapView
from nnstudio.ui.plots.histogram_plot import HistogramPlot
from nnstudio.ui.plots.loss_plot import LossPlot
from nnstudio.ui.plots.predictions_view import PredictionsView

__all__ = [
    "Dashboard",
    "DecisionBoundaryView",
    "FeatureMapView",
    "HistogramPlot",
    "LossPlot",
    "MetricBuffer",
    "PredictionsView",
]
