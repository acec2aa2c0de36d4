"""NiceGUI pages of the carriers chain."""
