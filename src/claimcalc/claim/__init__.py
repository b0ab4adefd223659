"""Claims: the claim format, its readers and its JSON Schema."""
