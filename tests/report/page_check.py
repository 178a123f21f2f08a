"""Checks that a report page will open fine in a browser: well-formed, self-contained, images
present and readable, and (when Chromium is installed) really drawn by a browser."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from matplotlib.image import imread

VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.doctype = False
        self.text: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
            if not values.get("alt"):
                self.problems.append("an image without alt text")
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_page(page: Path) -> str:
    """Assert the page is well-formed and self-contained; returns its visible text."""
    source = page.read_text(encoding="utf-8")
    checker = _Checker()
    checker.feed(source)
    checker.close()
    assert checker.doctype, "no <!doctype html>"
    assert '<meta charset="utf-8">' in source
    assert not checker.problems, checker.problems
    assert not checker.stack, f"unclosed tags: {checker.stack}"
    for link in checker.links:
        assert "://" not in link and not link.startswith("//"), f"external resource {link}"
    for src in checker.images:
        image = imread(page.parent / src)
        assert image.shape[0] > 100 and image.shape[1] > 300, src
    return " ".join(" ".join(checker.text).split())


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, out: Path, browser: str) -> Path:
    """Render the page in headless Chromium and save what a person would see."""
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--allow-file-access-from-files", "--window-size=1100,3000",
         f"--screenshot={out}", page.resolve().as_uri()],
        check=True, capture_output=True, timeout=90)
    return out
