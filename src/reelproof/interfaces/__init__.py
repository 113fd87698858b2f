"""reelproof.interfaces layer (see DESIGN.md: layers import only downward)."""
