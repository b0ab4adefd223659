"""Settling a claim under a product: the engine and its steps."""
