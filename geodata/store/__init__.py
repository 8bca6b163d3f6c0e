"""Storage: the typed models, the store and its single write path, the unit tree, roll-up counters, rule settings."""
