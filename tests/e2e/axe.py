"""axe-core, the accessibility engine, run in a journey's page."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    """Serious and critical accessibility failures on the page as it stands (axe-core, WCAG 2.2 AA
    rules). Evaluated through the browser's debugging protocol, so the page's strict CSP stays on."""
    assert AXE.exists(), f"{AXE} missing: `make test` installs axe-core from npm"
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa',
              'best-practice']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')')"""
    )
    return list(found)
