"""The HTML forms of a page, and Hypothesis strategies that fill them with garbage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from hypothesis import strategies as st

from tests.integration.fuzz.conftest import SCRIPT

CSRF_FIELD = "csrf_token"
# What people (and scripts) put into forms: empty, blanks, numbers out of every range,
# words the forms expect, markup, control characters, NUL, and more than the body limit.
SAMPLES = [
    SCRIPT,  # first: Hypothesis tries the simplest values first
    "²",
    "",
    " ",
    "\t\r\n",
    "0",
    "-1",
    "1",
    "2147483647",
    "2147483648",
    "-9223372036854775809",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "1.5",
    "١٢",
    "9" * 5000,
    "ja",
    "nein",
    "true",
    "on",
    "zentral",
    "admin",
    "2026-02-30",
    "9999-12-31",
    "Mo-Fr 10:00-18:00",
    "Mo 25:00-99:99",
    "a" * 300,
    "ä" * 5000,
    "x" * 70_000,
    "{{ 7*7 }}",
    "'; DROP TABLE ticket; --",
    "\x00",
    "a\x00b",
    "\u202e\u200b\ufeff",
    "😀" * 50,
    "%00%0d%0a",
    "../../etc/passwd",
]
GARBAGE = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(max_size=40),  # control characters too
    # Long printable text: the kind of garbage that passes validation and gets stored.
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc"]), min_size=100, max_size=2000),
)
VALID_PASSWORD = "Fuzz-Passwort-2026-lang"
# Values that pass a field's own check, so that garbage in the other fields gets stored.
HINTS: dict[str, st.SearchStrategy[str]] = {
    "key": st.from_regex(r"fuzz-[a-z0-9]{1,12}", fullmatch=True),
    "username": st.from_regex(r"fuzz[a-z0-9._-]{1,12}", fullmatch=True),
    "password": st.just(VALID_PASSWORD),
    "password2": st.just(VALID_PASSWORD),
    "confirm": st.just("ja"),
    "email": st.just("fuzz@example.org"),
}
OMIT = object()


@dataclass
class Field:
    """One named field: its value as the page shows it and, for choices, the choices."""

    name: str
    value: object = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add_choice(self, name: str, value: str, *, chosen: bool, multiple: bool) -> None:
        known = self.fields.setdefault(name, Field(name, [] if multiple else ""))
        known.options.append(value)
        known.multiple = known.multiple or multiple
        if chosen and isinstance(known.value, list):
            known.value.append(value)
        elif chosen:
            known.value = value

    def values(self) -> dict[str, object]:
        """What the browser would send unchanged (a select without a selected option
        sends its first one)."""
        return {
            name: known.options[0] if known.options and known.value == "" else known.value
            for name, known in self.fields.items()
        }


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name", "")
        if form is None or (not name and tag != "option"):
            return
        kind = a.get("type", "text")
        if tag == "input" and kind in ("checkbox", "radio"):
            chosen = "checked" in a
            form.add_choice(name, a.get("value", "on"), chosen=chosen, multiple=kind == "checkbox")
        elif tag == "input" and kind not in ("submit", "button", "reset", "image"):
            form.fields[name] = Field(name, a.get("value", ""))
        elif tag == "select":
            self._select = (name, "multiple" in a)
            form.fields.setdefault(name, Field(name, [] if "multiple" in a else ""))
        elif tag == "option" and self._select is not None:
            select, multiple = self._select
            form.add_choice(select, a.get("value", ""), chosen="selected" in a, multiple=multiple)
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = Field(name, "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            known = self._form.fields[self._textarea]
            known.value = f"{known.value}{data}"

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_forms(html: str) -> list[Form]:
    """Every form of the page with its named fields."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.forms


def _garbage(known: Field) -> st.SearchStrategy[object]:
    choices: list[st.SearchStrategy[object]] = [GARBAGE]
    if known.name in HINTS:
        choices.append(HINTS[known.name])
    if known.options:
        choices.append(st.sampled_from(known.options))
        if known.multiple:
            choices.append(st.lists(st.one_of(st.sampled_from(known.options), GARBAGE)))
    return st.one_of(choices)


def filled(
    form: Form, csrf: str, defaults: Mapping[str, object] | None = None
) -> st.SearchStrategy[dict[str, object]]:
    """The form as sent: either every field left out, kept or garbage, or the page's
    values (or ``defaults``: values or strategies) with one or two fields changed, so
    that a valid record with garbage in it gets stored. The CSRF token is mostly right
    (otherwise only the CSRF check would be tested)."""
    names = sorted(name for name in form.fields if name != CSRF_FIELD)
    base = {
        name: value if isinstance(value, st.SearchStrategy) else st.just(value)
        for name, value in {**form.values(), **(defaults or {})}.items()
    }
    anything = st.fixed_dictionaries(
        {name: st.one_of(st.just(OMIT), base[name], _garbage(form.fields[name])) for name in names}
    )

    @st.composite
    def few(draw: st.DrawFn) -> dict[str, object]:
        data = {name: draw(base[name]) for name in names}
        if names:
            for name in draw(st.sets(st.sampled_from(names), min_size=1, max_size=2)):
                data[name] = draw(st.one_of(_garbage(form.fields[name]), st.just(OMIT)))
        return data

    def build(drawn: dict[str, object], token: str) -> dict[str, object]:
        data = {name: value for name, value in drawn.items() if value is not OMIT}
        if CSRF_FIELD in form.fields and token:
            data[CSRF_FIELD] = token
        return data

    return st.builds(build, st.one_of(anything, few()), st.sampled_from([csrf] * 9 + [""]))
