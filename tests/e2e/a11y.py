"""Accessibility checks for the browser tests: axe-core, reflow and reachable controls.

axe-core comes from the npm registry, pinned with its sha512 in tools/axe/package-lock.json;
`make axe` (a step of `make test`) installs it under var/axe. It is evaluated through the
DevTools protocol, which the page's Content-Security-Policy does not apply to, so the
pages are checked exactly as citizens get them (``add_script_tag`` would need the CSP
switched off for the test).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

# 320 CSS px: WCAG 1.4.10's narrow screen. 640 CSS px: a 1280 px wide window at 200 % zoom.
REFLOW_WIDTHS = (320, 640)
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

_RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({ target: n.target.join(' '), html: n.html,
                               summary: n.failureSummary || '' })),
  }));
}"""

# Every control a keyboard can reach, focused one after another: it must lie inside the
# window's width (a control in a sideways-scrolling table counts by its scroll box).
_UNREACHABLE = """() => {
  const width = window.innerWidth;
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]';
  const out = [];
  const before = document.activeElement;
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || el.tabIndex < 0 || el.closest('[hidden], [inert]')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    el.focus({ preventScroll: true });
    let box = el.getBoundingClientRect();
    const scroller = el.closest('.table-scroll');
    if (scroller && scroller !== el) box = scroller.getBoundingClientRect();
    if (box.width === 0 || box.left < -1 || box.right > width + 1) {
      out.push(el.outerHTML.slice(0, 120) + ' at ' + Math.round(box.left) + '..' +
               Math.round(box.right));
    }
  }
  if (before && before.focus) before.focus({ preventScroll: true });
  return out;
}"""

# Elements (or their text) that stick out of the window's width, outside any scroll box.
_TOO_WIDE = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    const right = Math.max(box.right, box.left + el.scrollWidth);
    if (right <= width + 1 || box.width === 0) continue;
    let parent = el.parentElement;
    let clipped = false;
    while (parent && parent !== document.body) {
      if (getComputedStyle(parent).overflowX !== 'visible') { clipped = true; break; }
      parent = parent.parentElement;
    }
    if (!clipped) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                           (el.className ? '.' + String(el.className).replace(/ /g, '.') : '') +
                           ' ends at ' + Math.round(right));
  }
  return out.slice(0, 8);
}"""

_SETTLED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: run `make axe` (make test does).")
    return AXE_JS.read_text(encoding="utf-8") + "\n;undefined"


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of every impact."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return list(page.evaluate(_RUN_AXE))


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations, readable in a test failure."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            for reason in node["summary"].splitlines()[1:3]:
                lines.append(f"       {reason.strip()}")
    return "\n".join(lines)


def assert_no_serious_violations(page: Page, where: str) -> None:
    """No serious or critical axe violation on the page as it is now."""
    failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe on {where} ({page.url}):\n{describe(failing)}"


def assert_reflows(page: Page, where: str) -> None:
    """At 320 CSS px and at 1280 px with 200 % zoom: no sideways scrolling, and every
    control inside the screen's width. Restores the desktop size afterwards."""
    try:
        for width in REFLOW_WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.evaluate(_SETTLED)  # let resize observers (the chart) lay out again
            scroll_width, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert scroll_width <= inner, (
                f"{where} at {width} px scrolls sideways ({scroll_width} > {inner}): "
                f"{page.evaluate(_TOO_WIDE)}"
            )
            outside = page.evaluate(_UNREACHABLE)
            assert outside == [], f"{where} at {width} px: controls outside the screen {outside}"
            if width == min(REFLOW_WIDTHS):  # e.g. a table that now scrolls needs a tab stop
                assert_no_serious_violations(page, f"{where} at {width} px")
    finally:
        page.set_viewport_size(DESKTOP)


def check_page(page: Page, where: str) -> None:
    """axe (serious and critical fail), then reflow at both widths."""
    assert_no_serious_violations(page, where)
    assert_reflows(page, where)
