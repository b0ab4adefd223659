"""Claims: the claim format declared once (model.py), its readers (read.py, with
quick.py generated from the declaration by generate.py, and values.py) and its
JSON Schema (schema.py)."""
