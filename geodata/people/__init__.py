"""Who is acting: accounts, sessions, scope and masking, the action table, person records, the audit log."""
