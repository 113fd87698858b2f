"""Example documents shipped with reelproof (used by `reelproof demo`)."""
