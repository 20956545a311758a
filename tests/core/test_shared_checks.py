"""The one-line message rule and the zip member checks shared by every reader."""

from __future__ import annotations

import zipfile

import pytest

from nnstudio.core.messages import one_line
from nnstudio.core.zip_checks import escapes_archive, inflates_suspiciously


def test_one_line_folds_whitespace_or_keeps_the_first_line():
    error = ValueError("Bad shape\n  for layer `dense_1`.\n\nDetails follow")
    assert one_line(error) == "Bad shape for layer `dense_1`. Details follow"
    assert one_line(error, first_line=True) == "Bad shape"
    assert one_line(KeyError()) == "KeyError"
    assert one_line(None) == ""


@pytest.mark.parametrize("name", ["/etc/passwd", "\\x", "C:/x", "a/../../b", "a\x00b", "..\\x"])
def test_escapes_archive_refuses_paths_that_leave_it(name):
    assert escapes_archive(name)


@pytest.mark.parametrize("name", ["project.json", "weights/main.npz", "a..b/c"])
def test_escapes_archive_allows_plain_members(name):
    assert not escapes_archive(name)


def test_inflates_suspiciously_above_the_floor_only():
    info = zipfile.ZipInfo("x")
    info.file_size, info.compress_size = 10 << 20, 1 << 10
    assert inflates_suspiciously(info, 200.0, 1 << 20)
    info.file_size = 100 << 10
    assert not inflates_suspiciously(info, 200.0, 1 << 20)
