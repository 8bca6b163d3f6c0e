"""Layers in and out: validated upserts, the import command, extracts and exports, integrity checks."""
