"""Text on the pages meets WCAG AA contrast (4.5:1), measured on the rendered colours in Chromium."""

from __future__ import annotations

import pytest

from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTRAST = """
(selector) => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)].filter((e) => e.offsetParent && e.innerText.trim()).map((element) => {
    const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background(element))];
    return [element.innerText.trim().slice(0, 40), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}
"""
SELECTORS = "a, button, label, .muted, .help, .badge, .status, .verdict, code, th, td, dt, dd, p, li, small, h1, h2, h3"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/systems/QAS/200/",
        "/systems/QAS/200/configuration/",
        "/systems/QAS/200/steps/",
        "/dashboard/",
        "/helpdesk/",
        "/advisor/",
    ],
)
def test_text_has_enough_contrast(page, basis_admin, demo_systems, url):
    sign_in(page, "basis")
    page.goto(url)
    measured = page.evaluate(CONTRAST, SELECTORS)
    assert measured
    too_faint = [(text, round(ratio, 2)) for text, ratio in measured if ratio < 4.5]
    assert not too_faint, too_faint[:10]
