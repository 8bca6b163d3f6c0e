"""Opening a page of the app in Streamlit's AppTest without a first run of the default page.

AppTest's `switch_page` before the first run knows a page by its file name; `st.Page` registers it by its
`url_path`. Where the two differ (dashboard/app.py: /my-grid, /import) the page is given the hash its
`url_path` has. The first run drew the default page (the wall, or /my-grid) before the page under test: half of
every open, and of the suite's AppTest matrices. tests/dashboard/test_page_open.py checks every page opens the
same either way.
"""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

#: dashboard/app.py's pages whose url_path is not their file name
URL_PATHS = {"my_grid": "my-grid", "import_data": "import"}


def switch_to(at: AppTest, page_file: str | Path) -> AppTest:
    """`at.switch_page(page_file)`, right before or after the first run."""
    at.switch_page(str(page_file))
    url_path = URL_PATHS.get(Path(page_file).stem)
    if url_path is not None and not at._registered_pages:  # before the first run: by url_path, as st.Page hashes
        at._page_hash = calc_hash(url_path)
    return at
