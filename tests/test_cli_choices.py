"""The CLI spells its choices as Literal types (so --help stays free of numpy); they must be the
library's own lists."""

from typing import get_args

from spin_detect.cli.app import Preset
from spin_detect.cli.training import SpinStyle
from spin_detect.config import PRESETS
from spin_detect.learning.spinner import STYLES


def test_preset_choices_are_the_config_presets():
    assert list(get_args(Preset)) == list(PRESETS)


def test_spin_style_choices_are_the_spinner_styles():
    assert list(get_args(SpinStyle)) == list(STYLES)
