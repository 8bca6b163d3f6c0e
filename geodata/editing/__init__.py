"""Hand edits of records and shapes with optimistic locking."""
