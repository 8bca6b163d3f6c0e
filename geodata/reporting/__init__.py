"""What is read out: map figures, scoped reads, daily reports, trends, the briefing, requests."""
