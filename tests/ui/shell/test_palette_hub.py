"""The palette's Pretrained section says how text backbones come: a preset folder, or how to install KerasHub."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt

from nnstudio.core.backbones import hub
from nnstudio.ui.panels.palette import PRETRAINED, PalettePanel


def _pretrained_rows(qtbot) -> list[tuple[str, str, bool]]:
    panel = PalettePanel()
    qtbot.addWidget(panel)
    root = next(
        panel.tree.topLevelItem(i)
        for i in range(panel.tree.topLevelItemCount())
        if panel.tree.topLevelItem(i).text(0) == PRETRAINED
    )
    rows = [root.child(j) for j in range(root.childCount())]
    return [(row.text(0), row.toolTip(0), bool(row.flags() & Qt.ItemFlag.ItemIsDragEnabled)) for row in rows]


def test_palette_without_keras_hub_says_how_to_install_it_and_offers_no_text_entry(qtbot, monkeypatch):
    monkeypatch.setattr(hub, "hub_available", lambda: False)
    rows = _pretrained_rows(qtbot)
    hints = [row for row in rows if row[0] != "Backbone"][1:]
    assert [row[0] for row in hints] == ["Text (BERT, GPT-2, T5) needs KerasHub:", "pip install -e '.[hub]'"]
    assert all("KerasHub is not installed" in tip and not draggable for _, tip, draggable in hints)
    assert [row[0] for row in rows if row[2]] == ["Backbone"]


def test_palette_with_keras_hub_says_a_preset_folder_is_a_backbone_source(qtbot, monkeypatch):
    monkeypatch.setattr(hub, "hub_available", lambda: True)
    rows = _pretrained_rows(qtbot)
    (hint,) = [row for row in rows if row[0].startswith("Text")]
    assert hint[0] == "Text: a KerasHub preset folder" and "BERT" in hint[1] and "tokenizer" in hint[1]
    assert not any("pip install" in row[0] for row in rows)


def test_keras_hub_availability_is_checked_without_importing_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "keras_hub", raising=False)
    hub.hub_available()
    assert "keras_hub" not in sys.modules
    monkeypatch.setitem(sys.modules, "keras_hub", None)
    assert not hub.hub_available()
