"""Built-in data: scenarios."""
