"""Pieces the pages are made of: KPI strip, breadcrumb, tables, cards, the map frame.

Each takes prepared frames and dicts and draws with Streamlit; none reads the database. Every text that comes
from data is HTML-escaped before it meets `unsafe_allow_html`.
"""
