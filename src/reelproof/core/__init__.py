"""reelproof.core layer (see DESIGN.md: layers import only downward)."""
