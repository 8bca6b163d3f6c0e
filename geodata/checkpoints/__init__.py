"""Checkpoints: staffing rules, coverage along roads, rosters, the placement optimiser and plans."""
