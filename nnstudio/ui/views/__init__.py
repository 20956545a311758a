"""Views made for each model family, for the training dashboard.

Attention maps (transformers), generated-sample grid and GAN losses, reconstructions with
anomaly threshold and ROC AUC (autoencoders), sequence predictions (recurrent networks) and
a box to try sentences (text). ``views_for_project(project)`` picks the views a project
needs. Every view exports PNG and SVG. Must not import Keras.
"""

from nnstudio.ui.views.attention import AttentionMapView
from nnstudio.ui.views.base import FamilyView
from nnstudio.ui.views.gan import GanLossView, SampleGridView, image_grid
from nnstudio.ui.views.project_views import views_for_project
from nnstudio.ui.views.reconstruction import ReconstructionView
from nnstudio.ui.views.sequence import SequencePredictionView
from nnstudio.ui.views.text_box import TextPredictionBox

__all__ = [
    "AttentionMapView",
    "FamilyView",
    "GanLossView",
    "ReconstructionView",
    "SampleGridView",
    "SequencePredictionView",
    "TextPredictionBox",
    "image_grid",
    "views_for_project",
]
