"""An officer at the web desk: real HTTP against a running ``importbio web``, the way a
browser without scripts uses it (the pages have none): forms posted with their CSRF token,
the session kept in a cookie, redirects followed by hand so each answer can be checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx

_CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
_CASE_LINK_RE = re.compile(r'<a href="/cases/(\d+)">([^<]+)</a>')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF_RE.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Officer:
    """One browser session at the desk."""

    port: int
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", timeout=30.0, follow_redirects=False
        )

    def close(self) -> None:
        """Close the session's connections."""
        self.client.close()

    def get(self, path: str) -> httpx.Response:
        """GET a page."""
        return self.client.get(path)

    def post(self, path: str, fields: dict[str, str]) -> httpx.Response:
        """POST a form as the page's form would (urlencoded)."""
        return self.client.post(path, data=fields)

    def sign_in(self, name: str, password: str) -> httpx.Response:
        """Open the login page and post its form."""
        page = self.get("/login")
        assert page.status_code == 200, page.text
        return self.post("/login", {"csrf": csrf_of(page.text), "name": name, "password": password})

    def case_id_in_queue(self, queue: str, coi: str) -> int:
        """Open a queue's page and find the case of a COI among its rows."""
        page = self.get(f"/queues/{queue}")
        assert page.status_code == 200, page.text
        for case_id, label in _CASE_LINK_RE.findall(page.text):
            if label == coi:
                return int(case_id)
        raise AssertionError(f"{coi} is not on the {queue} queue's page")

    def decide(self, case_id: int, decision: str, note: str = "") -> httpx.Response:
        """Open the case, preview the decision's mail, and record it with the preview's form."""
        page = self.get(f"/cases/{case_id}")
        assert page.status_code == 200, page.text
        fields = {"csrf": csrf_of(page.text), "decision": decision, "note": note, "documents": ""}
        preview = self.post(f"/cases/{case_id}/decision/preview", fields)
        assert preview.status_code == 200, preview.text
        return self.post(f"/cases/{case_id}/decision", {**fields, "csrf": csrf_of(preview.text)})
