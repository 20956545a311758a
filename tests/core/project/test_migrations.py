"""Migrations: one pure, documented step per format version, chained on load."""

from __future__ import annotations

import json

import pytest

from nnstudio.core.project import CorruptProjectError, load_project, migrations
from nnstudio.core.project import io as project_io
from nnstudio.core.project.migrations import migrate, migration

from .builders import METADATA, project_json, write_zip


@pytest.fixture
def chain(monkeypatch):
    """A private migration table with two steps, 1 → 2 → 3."""
    monkeypatch.setattr(migrations, "MIGRATIONS", {})

    @migration(1)
    def rename_title(data):
        """Version 2 called the project's name `title`."""
        data["title"] = data.pop("name")
        return data

    @migration(2)
    def title_back_to_name(data):
        """Version 3 went back to `name`, and stamped the upgrade in `view`."""
        data["name"] = data.pop("title")
        data["view"] = dict(data.get("view", {}), upgraded=True)
        return data

    return migrations.MIGRATIONS


def test_migrate_runs_each_step_in_order(chain):
    original = {"name": "Old", "view": {}}
    result = migrate(original, 1, 3)
    assert result == {"name": "Old", "view": {"upgraded": True}}
    assert original == {"name": "Old", "view": {}}, "steps are pure: the input is untouched"


def test_migrate_of_the_current_version_returns_the_data_itself(chain):
    data = {"name": "Now"}
    assert migrate(data, 3, 3) is data


def test_migrate_over_a_missing_step_is_a_corrupt_project(chain):
    with pytest.raises(CorruptProjectError, match="never released"):
        migrate({"name": "x"}, 0, 3)


def test_a_failing_step_is_a_corrupt_project(chain):
    with pytest.raises(CorruptProjectError, match="from format version 1 to 2"):
        migrate({"no_name": 1}, 1, 3)


def test_migration_needs_a_docstring_and_a_free_version(chain):
    with pytest.raises(ValueError, match="docstring"):
        migration(5)(lambda data: data)
    with pytest.raises(ValueError, match="already registered"):

        @migration(1)
        def again(data):
            """Duplicate."""
            return data


def test_loading_an_older_file_runs_the_chain(chain, monkeypatch, tmp_path):
    monkeypatch.setattr(project_io, "FORMAT_VERSION", 3)
    data = project_json(name="From v1")
    path = write_zip(tmp_path / "old.nnstudio", {"metadata.json": METADATA, "project.json": json.dumps(data)})
    project = load_project(path)
    assert project.name == "From v1"
    assert project.view == {"upgraded": True}


def test_every_registered_migration_documents_why():
    for version, step in migrations.MIGRATIONS.items():
        assert (step.__doc__ or "").strip(), f"migration from version {version} has no docstring"
