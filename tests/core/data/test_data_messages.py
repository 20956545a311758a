"""Data source problems read in the user's words."""

from __future__ import annotations

import pytest

from nnstudio.core.data import load_dataset
from nnstudio.core.data.errors import InvalidDataParamError


def test_an_empty_csv_path_asks_the_user_to_choose_a_file():
    with pytest.raises(InvalidDataParamError) as caught:
        load_dataset({"source": "csv", "params": {"path": ""}})
    message = str(caught.value)
    assert message.startswith("CSV / TSV table: Choose a file to load")
    assert "Source `csv`" not in message and "`path`" not in message
