"""Field work (003 §一 人、房、事、组织、物品): what grid workers do on foot every day — requests and events routed
to done, patrols, door-to-door screening rounds, checkpoint entry registration, household passes, care of the
vulnerable, supplies, places and organisations. Above the checkpoints (entries are kept per checkpoint) and below
reporting and exchange (the wall counts these records; the ledgers are imported and exported)."""
