"""Option colours cannot be taken for health colours: green, amber, red and grey mean health only.

The colours live in the stylesheet (one ``.option-<code>`` class each, for the dashboard's chart and
legend); these tests read them from there."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

from connectors.registry import OPTIONS
from portal.fleet import NO_SETUP

CSS = (Path(__file__).resolve().parents[2] / "static" / "portal" / "portal.css").read_text()


def _hls(colour: str) -> tuple[float, float, float]:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, light, saturation = colorsys.rgb_to_hls(red, green, blue)
    return hue * 360, light, saturation


def _health_colours() -> dict[str, str]:
    found = dict(re.findall(r"--(ok|warn|bad):(#[0-9a-fA-F]{6})", CSS))
    assert set(found) == {"ok", "warn", "bad"}
    return found


def _option_colours() -> dict[str, str]:
    return dict(re.findall(r"\.option-([a-z_0-9]+) \{ --option-colour:([^;]+); \}", CSS))


def test_every_option_and_not_set_up_has_a_colour_in_the_stylesheet():
    assert set(_option_colours()) == {*OPTIONS, NO_SETUP}


def test_no_option_colour_is_near_a_health_hue_or_grey():
    health_hues = {name: _hls(colour)[0] for name, colour in _health_colours().items()}
    for option, colour in _option_colours().items():
        if option == NO_SETUP:
            continue
        hue, _, saturation = _hls(colour)
        assert saturation > 0.15, (option, colour, "greyish: unknown health is grey")
        for name, health_hue in health_hues.items():
            distance = min(abs(hue - health_hue), 360 - abs(hue - health_hue))
            assert distance > 45, (option, colour, f"too close to the {name} health colour")


def test_options_differ_from_each_other_and_not_set_up_is_hatched():
    colours = [colour for option, colour in _option_colours().items() if option != NO_SETUP]
    assert len(set(colours)) == len(colours)
    assert _option_colours()[NO_SETUP] == "url(#no-setup)"
