"""No template holds inline script: the Content-Security-Policy (script-src 'self') would block it, and a page that
needs it would silently break. Behaviour lives in static/js/*.js, declared in templates with data- attributes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
# Emails are read in mail clients, not served under our policy (and mail clients want inline styles).
TEMPLATES = sorted(
    path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html") if "email" not in path.parent.parts
)

DJANGO_COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)
SCRIPT_TAG = re.compile(r"<script\b(?P<attributes>[^>]*)>", re.IGNORECASE)
# A tag's attributes up to its closing '>' ("{% ... %}" and "{{ ... }}" inside a tag hold no '<' or '>').
TAG = re.compile(r"<[a-zA-Z][\w-]*(?P<attributes>(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
EVENT_HANDLER = re.compile(r"(?:^|[\s\"'/}])(?P<name>on[a-z]+)\s*=", re.IGNORECASE)
HTMX_ON = re.compile(r"(?:^|[\s\"'/}])(?:data-)?hx-on\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"=\s*[\"']?\s*javascript:", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"(?:^|[\s\"'/}])style\s*=", re.IGNORECASE)
# Data blocks are not scripts: the browser never runs them (json_script writes one).
DATA_BLOCK = re.compile(r"type\s*=\s*[\"']?application/(?:ld\+)?json", re.IGNORECASE)


def inline_script_problems(text: str) -> list[str]:
    """Every inline script, event handler, hx-on, javascript: URL or style attribute in a template's text."""
    text = DJANGO_COMMENT.sub("", text)
    problems = []
    for script in SCRIPT_TAG.finditer(text):
        attributes = script.group("attributes")
        if not re.search(r"\bsrc\s*=", attributes, re.IGNORECASE) and not DATA_BLOCK.search(attributes):
            problems.append(f"inline <script> at offset {script.start()}")
    for tag in TAG.finditer(text):
        attributes = tag.group("attributes")
        problems += [
            f"{handler.group('name')}= in {tag.group(0)[:80]}" for handler in EVENT_HANDLER.finditer(attributes)
        ]
        if HTMX_ON.search(attributes):
            problems.append(f"hx-on in {tag.group(0)[:80]}")
        if JAVASCRIPT_URL.search(attributes):
            problems.append(f"javascript: URL in {tag.group(0)[:80]}")
        if STYLE_ATTRIBUTE.search(attributes):
            problems.append(f"style attribute in {tag.group(0)[:80]}")
    if re.search(r"<style\b", text, re.IGNORECASE):
        problems.append("inline <style> block")
    return problems


def test_the_walk_finds_templates():
    assert len(TEMPLATES) > 50
    assert ROOT / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_template_has_no_inline_script_handler_or_style(template):
    assert inline_script_problems(template.read_text()) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<SCRIPT type="module">import x from "/y.js"</SCRIPT>',
        '<select name="language" onchange="this.form.submit()">',
        "<input type=checkbox onclick='go()'>",
        '<form class="inline" method="post"\n      onsubmit="return confirm(\'Sure?\')">',
        '<button hx-post="/x" hx-on:click="alert(1)">',
        '<div data-hx-on::after-request="go()">',
        '<a href="javascript:go()">go</a>',
        '<span class="level" style="--level-colour: red">',
        "<style>body{color:red}</style>",
        '<img src="x.png" {% if a %}onerror="go()"{% endif %}>',
    ],
)
def test_the_walk_catches_each_kind_of_inline_script(snippet):
    assert inline_script_problems(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/app.js' %}\" defer></script>",
        '<script id="django-admin-form-add-constants"\n        src="/static/admin/js/change_form.js">',
        '<script id="chart-data" type="application/json">{"a": 1}</script>',
        '<select name="language" data-submit-on-change aria-label="Language">',
        '<form data-confirm="Block this guest?" method="post">',
        '<p>Let someone = one of the staff; "online" is fine; so is an onion.</p>',
        '<input name="phone" data-testid="phone">',
        "{# an inline <script> in a comment is never sent #}",
    ],
)
def test_the_walk_passes_what_the_policy_allows(snippet):
    assert inline_script_problems(snippet) == []
