"""The built-in reusable block library: residual, transformer encoder, conv-BN-ReLU and more.

``list_blocks()`` describes the blocks for the palette; ``make_block(name, block_id, **options)``
returns a fresh ``Block`` node to place on the canvas or in a template. Must not import Qt
or Keras.
"""

from nnstudio.core.blocks.library import BlockInfo, UnknownBlockError, block_info, list_blocks, make_block

__all__ = ["BlockInfo", "UnknownBlockError", "block_info", "list_blocks", "make_block"]
