"""The block library's registry: named builders of reusable ``Block`` nodes.

A block is a :class:`~nnstudio.core.graph.Node` of type ``"Block"`` whose ``block`` holds an
inner :class:`~nnstudio.core.graph.Graph`; the inner ``Input`` nodes are the block's input
ports (their shapes come from outside) and the inner graph's outputs are its output ports.
A builder takes keyword options (``filters=64``) and returns that inner graph; the registry
wraps it in a node. Must not import Qt or Keras.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnstudio.core.graph import BLOCK_TYPE, Graph, Node
from nnstudio.core.graph.layout import auto_layout
from nnstudio.core.named_registry import NamedRegistry

BlockBuilder = Callable[..., Graph]


@dataclass(frozen=True)
class BlockInfo:
    """What the palette shows about a built-in block.

    Attributes
    ----------
    name:
        Stable identifier, lowercase words joined by dashes (``residual-block``).
    title:
        The block node's title on the canvas ("Residual block").
    description:
        One or two sentences: what the block computes and when to use it.
    options:
        The builder's keyword options with their defaults (``{"filters": 32, ...}``).
    """

    name: str
    title: str
    description: str
    options: dict[str, Any]


class UnknownBlockError(KeyError):
    """A block name that is not in the library; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _import_builtins() -> None:
    from nnstudio.core.blocks import builtin  # noqa: F401  (registers the blocks)


def _unknown_block(name: str, known: list[str]) -> UnknownBlockError:
    return UnknownBlockError(
        f"There is no built-in block named `{name}`. Known blocks: {', '.join(known)}. Received: name={name!r}."
    )


_BLOCKS: NamedRegistry[BlockInfo, BlockBuilder] = NamedRegistry(
    _import_builtins,
    taken_message=lambda name: f"A block named `{name}` is already registered. Received: name={name!r}.",
    unknown_error=_unknown_block,
)


def register_block(name: str, title: str, description: str) -> Callable[[BlockBuilder], BlockBuilder]:
    """Register the decorated ``(**options) -> Graph`` builder as block ``name``.

    Parameters
    ----------
    name:
        Unique identifier, lowercase words joined by dashes.
    title:
        The node's default title.
    description:
        What the block does, for the palette's tooltip.

    Returns
    -------
    callable
        A decorator returning the builder unchanged.

    Raises
    ------
    ValueError
        When the name is taken.
    """

    def info_for(builder: BlockBuilder) -> BlockInfo:
        options = {
            p.name: p.default
            for p in inspect.signature(builder).parameters.values()
            if p.default is not inspect.Parameter.empty
        }
        return BlockInfo(name, title, " ".join(description.split()), options)

    return _BLOCKS.register(name, info_for)


def list_blocks() -> list[BlockInfo]:
    """Return every built-in block, in palette order.

    Returns
    -------
    list of BlockInfo
    """
    return _BLOCKS.infos()


def block_info(name: str) -> BlockInfo:
    """Return the :class:`BlockInfo` of block ``name``.

    Raises
    ------
    UnknownBlockError
        When no block has that name.
    """
    return _BLOCKS.info(name)


def make_block(name: str, block_id: str | None = None, **options: Any) -> Node:
    """Build a fresh ``Block`` node of the library block ``name``.

    Parameters
    ----------
    name:
        A name from :func:`list_blocks` (``"residual-block"``).
    block_id:
        The node's id (the nested Keras model's name); default the name with underscores
        (``residual_block``). Pass ``graph.unique_id("residual_block")`` to place several.
    **options:
        The block's options (see ``BlockInfo.options``), e.g. ``filters=64``.

    Returns
    -------
    Node
        A ``Block`` node at ``(0, 0)`` with params ``{"title": ...}`` and its inner graph
        laid out top to bottom.

    Raises
    ------
    UnknownBlockError
        When no block has that name.
    TypeError
        When an option is not one the block knows; the message lists the known ones.
    """
    info, builder = _BLOCKS.lookup(name)
    unknown = sorted(set(options) - set(info.options))
    if unknown:
        known = ", ".join(info.options) or "none"
        raise TypeError(
            f"Block `{name}` has no option `{unknown[0]}` (options: {known}). "
            f"Received: {unknown[0]}={options[unknown[0]]!r}."
        )
    inner = builder(**options)
    for node_id, pos in auto_layout(inner).items():
        inner.node(node_id).pos = pos
    return Node(block_id or name.replace("-", "_"), BLOCK_TYPE, {"title": info.title}, (0.0, 0.0), inner)
