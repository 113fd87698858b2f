"""reelproof.services layer (see DESIGN.md: layers import only downward)."""
