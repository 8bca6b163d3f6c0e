"""The ground floor: settings, vocabularies, the field registry, column types and the refusal base."""
