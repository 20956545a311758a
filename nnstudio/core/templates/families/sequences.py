"""Recurrent networks on the adding problem: SimpleRNN, LSTM and GRU side by side.

The templates share the data, the head and the training settings; only the recurrent layer
differs, so their runs compare the cells alone. ``rnn-lstm-gru-adding`` holds all three
networks in one project, so the Evaluate page overlays their runs. Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import data_spec, network, training
from nnstudio.core.templates.registry import register_template

#: Steps per sequence: long enough that a plain RNN forgets the first marked value.
ADDING_LENGTH = 30
ADDING_SAMPLES = 4000
#: The mean squared error of always answering 1.0, the mean sum (the variance of U+U is 1/6).
BASELINE_MSE = 1.0 / 6.0

_SHARED = (
    "The adding problem: each sequence holds 30 random values and two markers; the target is "
    "the sum of the two marked values, one in each half, so the network must remember the "
    "first one across many steps. Always answering 1.0 gives a mean squared error of 0.167. "
)


def _adding_network(name: str, cell: str):
    return network(
        name,
        [
            ("Input", {"shape": [ADDING_LENGTH, 2]}),
            (cell, {"units": 32}),
            ("Dense", {"units": 1, "activation": "linear"}),
        ],
    )


def _adding_project(name: str, cell: str, networks: dict | None = None) -> Project:
    return Project(
        name=name,
        networks=networks or {"main": _adding_network("main", cell)},
        data=data_spec("adding", {"n_samples": ADDING_SAMPLES, "length": ADDING_LENGTH}),
        training=training(loss="mse", metrics=["mae"], epochs=20, learning_rate=0.005, clipnorm=1.0),
    )


@register_template(
    "rnn-adding",
    "Adding problem with a simple RNN",
    "Teaches why plain recurrent networks forget: a SimpleRNN of 32 units struggles to carry "
    "the first marked value to the end of the sequence: after 20 epochs (about 20 seconds on a "
    "2-core CPU) its validation error is still about 0.16, no better than always answering 1.0, "
    "while the gated cells reach 0.001. "
    + _SHARED
    + "Try next: open rnn-lstm-gru-adding to train the three cells side by side and overlay "
    "their curves, shorten the "
    "sequences to 10 steps and watch the RNN catch up, or switch the activation to relu.",
    "Sequences",
)
def rnn_adding() -> Project:
    """Build Input(30, 2) → SimpleRNN(32) → Dense(1)."""
    return _adding_project("Adding problem (SimpleRNN)", "SimpleRNN")


@register_template(
    "lstm-adding",
    "Adding problem with an LSTM",
    "Teaches how gates give a recurrent network memory: an LSTM of 32 units learns to keep the "
    "first marked value in its cell state and drives the validation mean squared error below "
    "0.001 in 20 epochs (under a minute on a 2-core CPU), where a SimpleRNN stays at 0.16. "
    + _SHARED
    + "Try next: compare with the other cells in rnn-lstm-gru-adding, raise the sequence length to 100 in the "
    "Data panel, or halve the units and see how much memory the task really needs.",
    "Sequences",
)
def lstm_adding() -> Project:
    """Build Input(30, 2) → LSTM(32) → Dense(1)."""
    return _adding_project("Adding problem (LSTM)", "LSTM")


@register_template(
    "gru-adding",
    "Adding problem with a GRU",
    "Teaches the gated recurrent unit, a leaner cousin of the LSTM: with two gates instead of "
    "three it also solves the adding problem, reaching a validation mean squared error below "
    "0.001 in 20 epochs (about 30 seconds on a 2-core CPU), usually a little sooner than the LSTM. "
    + _SHARED
    + "Try next: compare its parameter count and curve with the others in rnn-lstm-gru-adding, or wrap "
    "it in a Bidirectional layer and see whether reading backwards helps here.",
    "Sequences",
)
def gru_adding() -> Project:
    """Build Input(30, 2) → GRU(32) → Dense(1)."""
    return _adding_project("Adding problem (GRU)", "GRU")


#: The networks of the comparison template, one per recurrent cell.
COMPARED_CELLS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


@register_template(
    "rnn-lstm-gru-adding",
    "SimpleRNN, LSTM and GRU compared on the adding problem",
    "Teaches why gates matter by training the three recurrent cells on the same task in one "
    "project: the networks simple_rnn, lstm and gru differ only in their recurrent layer. On "
    "the Train page pick each network in turn and press Start (about 20 to 50 seconds each on "
    "a 2-core CPU); the Evaluate page then overlays their validation curves. The SimpleRNN "
    "stays near 0.16, no better than always answering 1.0; the LSTM and the GRU go below 0.001. "
    + _SHARED
    + "Try next: compare their parameter counts in the Summary panel, or lengthen the sequences "
    "in the Data panel and see which cell holds up.",
    "Sequences",
)
def rnn_lstm_gru_adding() -> Project:
    """Build three networks Input(30, 2) → SimpleRNN/LSTM/GRU(32) → Dense(1) in one project."""
    networks = {name: _adding_network(name, cell) for name, cell in COMPARED_CELLS.items()}
    return _adding_project("Adding problem: RNN vs LSTM vs GRU", "SimpleRNN", networks)
