"""HTML mail bodies turned into plain text for reading (never for display).

The standard library's tolerant ``HTMLParser`` is enough here: we only need the words a
person would see, in order, with line breaks at block elements. Scripts, styles and
comments are dropped. Rendering HTML for officers is the web desk's job and is done
there with a sanitiser.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCK = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "ul",
        "ol",
        "dd",
        "dt",
        "title",
    }
)
_SKIP = frozenset({"script", "style", "head", "template", "noscript", "svg", "object"})
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self.chunks.append("\n")
        elif tag == "td":
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.chunks.append(data)


# HTMLParser rescans unclosed tags, so crafted markup ("<a" a million times) costs
# quadratic time; past this size a linear tag strip is used instead.
_PARSER_MAX_CHARS = 256 * 1024
_TAG = re.compile(r"<[^<>]*>")
_HIDDEN_BLOCK_START = re.compile(r"<(script|style|head)\b", re.IGNORECASE)


def _strip_tags(html: str) -> str:
    """Linear-time text of large HTML: hidden blocks dropped, tags removed, entities kept."""
    out: list[str] = []
    pos = 0
    lowered = html.lower()
    while (start := _HIDDEN_BLOCK_START.search(html, pos)) is not None:
        out.append(html[pos : start.start()])
        end = lowered.find(f"</{start.group(1).lower()}", start.end())
        if end < 0:
            pos = len(html)
            break
        pos = end
    out.append(html[pos:])
    return unescape(_TAG.sub(" ", "".join(out)))


def html_to_text(html: str, *, max_chars: int) -> str:
    """The visible text of an HTML document, whitespace-collapsed, at most ``max_chars``."""
    if len(html) > _PARSER_MAX_CHARS:
        return _collapse(_strip_tags(html), max_chars)
    collector = _TextCollector()
    try:
        collector.feed(html)
        collector.close()
    except (AssertionError, ValueError):  # HTMLParser's way of giving up on broken markup
        pass
    return _collapse("".join(collector.chunks), max_chars)


def _collapse(text: str, max_chars: int) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    joined = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return joined[:max_chars]
