"""Every template is a valid project: shapes check out, every network compiles, save → load is
identical, the layout reads top to bottom, and the description says what it teaches."""

from __future__ import annotations

import pytest

from nnstudio.core.graph import topological_order
from nnstudio.core.project import load_project, project_to_dict, save_project
from nnstudio.core.shapes import infer_shapes
from nnstudio.core.templates import create_project, list_templates, template_info
from nnstudio.core.templates.chain import ROW_STEP
from nnstudio.core.templates.registry import TEMPLATE_NAME_RE

NAMES = [info.name for info in list_templates()]
FAMILY_TEMPLATES = {
    "mlp-digits",
    "resnet-digits",
    "rnn-adding",
    "lstm-adding",
    "gru-adding",
    "text-sentiment",
    "transformer-sentiment",
    "autoencoder-digits",
    "conv-autoencoder-digits",
    "anomaly-digits",
    "gan-ring",
    "gan-digits",
}


def test_every_family_of_the_course_has_its_templates():
    assert FAMILY_TEMPLATES <= set(NAMES)
    assert len(NAMES) == len(set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_template_gallery_line_starts_with_a_valid_name_and_teaches(name):
    info = template_info(name)
    assert TEMPLATE_NAME_RE.match(info.name)
    assert info.summary.startswith("Teaches") or name in ("mlp-spirals", "cnn-digits")
    assert "Try next" in info.description


@pytest.mark.parametrize("name", NAMES)
def test_template_shapes_check_out_in_every_network(name):
    for network, graph in create_project(name).networks.items():
        report = infer_shapes(graph)
        problems = [d.message for d in report.diagnostics]
        problems += [d.message for info in report.nodes.values() for d in info.diagnostics if d.severity == "error"]
        assert report.ok, (network, problems)


@pytest.mark.parametrize("name", NAMES)
def test_template_compiles_every_network(name):
    from nnstudio.core.compile import compile_project

    project = create_project(name)
    for network in project.networks:
        model = compile_project(project, network)
        assert model.name == network and model.count_params() == infer_shapes(project.networks[network]).total


@pytest.mark.parametrize("name", NAMES)
def test_template_survives_save_and_load(name, tmp_path):
    project = create_project(name)
    path = tmp_path / f"{name}.nnstudio"
    save_project(project, path)
    assert project_to_dict(load_project(path)) == project_to_dict(project)


@pytest.mark.parametrize("name", NAMES)
def test_template_networks_are_one_column_read_top_to_bottom(name):
    for graph in create_project(name).networks.values():
        order, cyclic = topological_order(graph)
        assert not cyclic
        positions = [graph.node(node_id).pos for node_id in order]
        assert len({x for x, _ in positions}) == 1
        assert [y for _, y in positions] == [ROW_STEP * i for i in range(len(positions))]


@pytest.mark.parametrize("name", NAMES)
def test_template_training_settings_are_complete(name):
    from nnstudio.core.training import TrainingConfig

    project = create_project(name)
    config = TrainingConfig.from_dict(project.training)
    assert config.validate() == []
    assert project.data["source"] and config.epochs > 0
    if config.recipe == "gan":
        assert {config.gan["generator"], config.gan["discriminator"]} == set(project.networks)
        generator = project.networks[config.gan["generator"]]
        latent = next(n for n in generator if n.type == "Input").params["shape"]
        assert latent == [config.gan["latent_dim"]]


def test_residual_and_transformer_templates_are_built_from_library_blocks():
    resnet = create_project("resnet-digits").main
    titles = [n.params["title"] for n in resnet if n.is_block]
    assert titles == ["Conv-BN-ReLU", "Residual block", "Residual block (projection)"]
    transformer = create_project("transformer-sentiment").main
    (encoder,) = [n for n in transformer if n.is_block]
    assert encoder.params["title"] == "Transformer encoder"
    assert [n.type for n in transformer][:3] == ["Input", "Embedding", "PositionalEmbedding"]


def test_recurrent_templates_differ_only_in_their_cell():
    graphs = {name: create_project(name).main for name in ("rnn-adding", "lstm-adding", "gru-adding")}
    cells = {name: [n.type for n in graph][1] for name, graph in graphs.items()}
    assert cells == {"rnn-adding": "SimpleRNN", "lstm-adding": "LSTM", "gru-adding": "GRU"}
    projects = [create_project(name) for name in graphs]
    assert all(p.data == projects[0].data and p.training == projects[0].training for p in projects)


def test_gan_templates_hold_a_generator_and_a_discriminator():
    for name in ("gan-ring", "gan-digits"):
        project = create_project(name)
        assert list(project.networks) == ["generator", "discriminator"]
        assert project.training["recipe"] == "gan"
        last = list(project.networks["discriminator"].nodes.values())[-1]
        assert (last.params["units"], last.params["activation"]) == (1, "sigmoid")


def test_anomaly_template_names_its_normal_class():
    project = create_project("anomaly-digits")
    assert project.training["recipe"] == "autoencoder"
    assert project.view["anomaly"]["normal_classes"] == project.data["params"]["classes"]
