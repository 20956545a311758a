"""Distillation: a half-size student learns from the trained digits CNN."""

from __future__ import annotations

import keras
import pytest

from nnstudio.core.compile import compile_project
from nnstudio.core.compress.distill import (
    distilling_model,
    ends_in_softmax,
    load_teacher,
)
from nnstudio.core.training.config import ConfigError, TrainingConfig
from nnstudio.core.training.engine import run_training
from nnstudio.core.training.telemetry import TelemetryOptions

from ..export.digits import last_test_accuracy, student_network, trained_digits


def test_load_teacher_needs_a_trained_network_or_a_keras_file(tmp_path):
    project = trained_digits()
    project.networks["student"] = student_network()
    assert load_teacher(project, "main").count_params() == 33_930
    with pytest.raises(ConfigError, match="teacher network `student` has no trained weights"):
        load_teacher(project, "student")
    with pytest.raises(ConfigError, match="or an existing .keras file. Received: teacher='ghost.keras'"):
        load_teacher(project, "ghost.keras")
    path = tmp_path / "teacher.keras"
    compile_project(project).save(path)
    assert load_teacher(project, str(path)).count_params() == 33_930


def test_distilling_model_shares_the_students_layers_only():
    project = trained_digits()
    student = compile_project(project.__class__(networks={"student": student_network()}), "student")
    teacher = load_teacher(project, "main")
    wrapper = distilling_model(student, teacher, 4.0, 0.1)
    assert [w.path for w in wrapper.weights] == [w.path for w in student.weights]
    assert ends_in_softmax(student) and ends_in_softmax(teacher)


def test_distilling_model_refuses_a_teacher_of_another_shape():
    inputs = keras.Input((8, 8, 1))
    student = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
    other = keras.Input((4,))
    teacher = keras.Model(other, keras.layers.Dense(10)(other))
    with pytest.raises(ConfigError, match="one input of the same shape"):
        distilling_model(student, teacher, 2.0, 0.5)


def test_training_config_requires_a_teacher_for_distill():
    problems = " ".join(TrainingConfig.from_dict({"recipe": "distill"}).validate())
    assert "`distill.teacher` must be a network of the project or a .keras file" in problems
    bad = TrainingConfig.from_dict({"recipe": "distill", "distill": {"teacher": "main", "temperature": 0, "alpha": 2}})
    assert len(bad.validate()) == 2


@pytest.mark.slow
def test_distill_recipe_half_size_student_keeps_within_three_points_of_the_teacher():
    project = trained_digits()
    teacher_accuracy = last_test_accuracy(project)
    project.networks["student"] = student_network()
    project.training.update(recipe="distill", epochs=25, distill={"teacher": "main", "temperature": 4.0, "alpha": 0.1})
    events = []
    finished = run_training(
        project, network="student", report=events.append, should_stop=lambda: False, telemetry=TelemetryOptions.none()
    )
    assert finished.status == "completed", finished.message
    assert compile_project(project, "student").count_params() <= 0.5 * compile_project(project).count_params()
    assert last_test_accuracy(project) >= teacher_accuracy - 0.03
    assert any("Distilling `main`" in getattr(event, "message", "") for event in events)
    assert project.runs[-1]["test_metrics"]["teacher_accuracy"] == pytest.approx(teacher_accuracy, abs=1e-6)
