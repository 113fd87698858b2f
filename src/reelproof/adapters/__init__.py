"""reelproof.adapters layer (see DESIGN.md: layers import only downward)."""
