"""Saving is atomic: a failure at any point leaves the previous file byte-identical."""

from __future__ import annotations

import os
import stat

import pytest

from nnstudio.core.project import io as project_io
from nnstudio.core.project import load_project, save_project

from .builders import small_project


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(small_project(), path)
    return path


def test_exception_mid_write_keeps_the_old_file_and_removes_the_temp(saved, monkeypatch):
    old = saved.read_bytes()

    def half_write(path, members):
        path.write_bytes(b"PK\x03\x04 half an archive")
        raise RuntimeError("disk unplugged")

    monkeypatch.setattr(project_io, "_write_zip", half_write)
    changed = small_project()
    changed.name = "Changed"
    with pytest.raises(RuntimeError, match="disk unplugged"):
        save_project(changed, saved)
    assert saved.read_bytes() == old
    assert os.listdir(saved.parent) == [saved.name]


def test_failed_rename_keeps_the_old_file(saved, monkeypatch):
    old = saved.read_bytes()

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        save_project(small_project(), saved)
    assert saved.read_bytes() == old
    assert os.listdir(saved.parent) == [saved.name]


def test_failed_fsync_keeps_the_old_file(saved, monkeypatch):
    old = saved.read_bytes()

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        save_project(small_project(), saved)
    assert saved.read_bytes() == old
    assert os.listdir(saved.parent) == [saved.name]


def test_save_into_a_missing_folder_raises_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        save_project(small_project(), tmp_path / "missing" / "p.nnstudio")
    assert list(tmp_path.iterdir()) == []


def test_save_keeps_the_permissions_of_the_file_it_replaces(saved):
    os.chmod(saved, 0o600)
    save_project(small_project(), saved)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_a_new_file_is_readable_by_others(tmp_path):
    save_project(small_project(), tmp_path / "p.nnstudio")
    assert stat.S_IMODE((tmp_path / "p.nnstudio").stat().st_mode) == 0o644


def test_save_through_a_symlink_replaces_its_target(saved, tmp_path):
    link = tmp_path / "link.nnstudio"
    link.symlink_to(saved)
    changed = small_project()
    changed.name = "Through the link"
    save_project(changed, link)
    assert link.is_symlink()
    assert load_project(saved).name == "Through the link"
