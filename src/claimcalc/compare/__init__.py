"""Comparing products: the semantic diff and its impact on a book of claims."""
