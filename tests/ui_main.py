"""Entry file for NiceGUI's user-simulation tests: the same pages as the real app."""

from kechuang.ui_app import configure_ui

configure_ui(simulation=True)
