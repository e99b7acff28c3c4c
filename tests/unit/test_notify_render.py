"""Tests for the template environment: strict variables, escaping and the desk's overrides."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from notify.codes import Decision, MailKind
from notify.compose import compose_ack
from notify.context import ack_context, decision_context
from notify.render import environment, render_pair
from tests.support.notify import DESK, make_facts, make_report

RENDERED_KINDS = [
    MailKind.ACK_NOTIFICATION,
    MailKind.ACK_PRFC,
    MailKind.ACK_ACCOUNT,
    MailKind.DECISION,
]


def _context(kind: MailKind) -> dict[str, object]:
    facts = make_facts()
    if kind is MailKind.DECISION:
        return decision_context(
            facts, Decision.SAMPLING, DESK, subject="s", note=None, documents_requested=()
        )
    return ack_context(facts, DESK, subject="s")


@pytest.mark.parametrize("kind", RENDERED_KINDS)
def test_every_kind_renders_with_its_context(kind: MailKind) -> None:
    """Each kind has a text and an HTML template that render from the composed context."""
    text, html = render_pair(kind, _context(kind))
    assert text.strip()
    assert html.lstrip().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("kind", RENDERED_KINDS)
@pytest.mark.parametrize("missing", ["desk_name", "case_id", "coi", "greeting_name"])
def test_a_missing_variable_fails_rendering(kind: MailKind, missing: str) -> None:
    """A template that uses a variable the context lacks fails instead of printing a blank."""
    context = _context(kind)
    del context[missing]
    with pytest.raises(UndefinedError):
        render_pair(kind, context)


def test_strict_undefined_in_an_override(tmp_path: Path) -> None:
    """A desk's own template that names an unknown variable fails as well."""
    (tmp_path / "_signature.txt.j2").write_text("{{ no_such_variable }}", "utf-8")
    with pytest.raises(UndefinedError):
        render_pair(MailKind.ACK_PRFC, _context(MailKind.ACK_PRFC), override_dir=tmp_path)


def test_autoescape_follows_the_template_kind() -> None:
    """HTML templates are autoescaped; text templates are not."""
    env = environment()
    source = "{{ value }}"
    assert env.from_string(source).render(value="<b>") == "&lt;b&gt;"
    html = env.get_template("_signature.html.j2").render(
        desk_name="<b>x</b>", desk_address="a@b.example", case_id=1, coi=None
    )
    text = env.get_template("_signature.txt.j2").render(
        desk_name="<b>x</b>", desk_address="a@b.example", case_id=1, coi=None
    )
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html
    assert "<b>x</b>" in text


def test_desk_override_folder_is_searched_first(tmp_path: Path) -> None:
    """A template in the desk's folder replaces the packaged one; the others stay packaged."""
    (tmp_path / "_signature.txt.j2").write_text("Eigen handtekening {{ desk_name }}\n", "utf-8")
    desk = dataclasses.replace(DESK, template_dir=tmp_path)
    mail = compose_ack(make_report(), make_facts(), desk, key="ack:override")
    assert mail is not None
    assert f"Eigen handtekening {DESK.name}" in mail.text
    assert "Eigen handtekening" not in mail.html
    assert DESK.address in mail.html
