"""Rendering results: the JSON contract, terminal tables."""
