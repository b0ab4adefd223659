"""Products: the rule model, its validation from YAML, the catalog and cache."""
