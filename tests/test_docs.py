"""The API docs work on a closed network: the page and every file it loads come from us."""

from __future__ import annotations

import re
from pathlib import Path

from reporting import create_app
from reporting.config import Settings


def referenced(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_the_docs_page_loads_only_files_this_server_serves(client, database):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    urls = referenced(html)
    assert urls, html
    assert "https://cdn" not in html
    for url in urls:
        assert url.startswith("/"), url  # same origin: nothing goes out
        asset = client.get(url)
        try:
            assert asset.status_code == 200, url
            assert len(asset.data) > 1000, url
        finally:
            asset.close()  # a file response holds its file open until closed
    # The document the page shows is served too.
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert "script-src 'self' 'unsafe-inline';" in page.headers["Content-Security-Policy"]


def test_a_cdn_is_an_option_and_the_policy_allows_exactly_it(tmp_path: Path):
    app = create_app(Settings(data_dir=tmp_path / "var",
                              docs_assets_url="https://cdn.example.org/swagger-ui-dist@5"))
    page = app.test_client().get("/api/v1/docs")
    assert "https://cdn.example.org/swagger-ui-dist@5/swagger-ui-bundle.js" in page.get_data(
        as_text=True)
    assert "script-src 'self' 'unsafe-inline' https://cdn.example.org;" in page.headers[
        "Content-Security-Policy"]
