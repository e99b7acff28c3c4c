"""Rendering the desk's mail from its Jinja templates: one text and one HTML template per kind.

The templates ship in the package (``notify/templates``); a desk may put its own copies of
any of them in a folder of its choice, which is searched first. HTML templates are
autoescaped and text templates are not; every variable must be given (``StrictUndefined``),
so a template that names a missing value fails loudly instead of mailing a blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from notify.codes import MailKind

_BLANK_RUN_RE = re.compile(r"\n{3,}")


@lru_cache(maxsize=8)
def environment(override_dir: Path | None = None) -> Environment:
    """The template environment, searching ``override_dir`` before the packaged templates."""
    packaged = PackageLoader("notify", "templates")
    loader = (
        ChoiceLoader([FileSystemLoader(override_dir), packaged])
        if override_dir is not None
        else packaged
    )
    return Environment(
        loader=loader,
        # Everything but the plain-text templates is escaped, a template without a name too.
        autoescape=select_autoescape(
            enabled_extensions=("html.j2", "html"),
            disabled_extensions=("txt.j2", "txt"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def render_pair(
    kind: MailKind, context: Mapping[str, object], *, override_dir: Path | None = None
) -> tuple[str, str]:
    """The text and the HTML part of a mail of ``kind`` (``jinja2.UndefinedError`` on a gap)."""
    env = environment(override_dir)
    text = env.get_template(f"{kind.value}.txt.j2").render(context)
    html = env.get_template(f"{kind.value}.html.j2").render(context)
    return _BLANK_RUN_RE.sub("\n\n", text).strip() + "\n", html
