"""gridwatch domain and storage: models, the single write path, hierarchy, rules. No Streamlit, no files."""
