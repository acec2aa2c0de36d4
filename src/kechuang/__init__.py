"""kechuang (科创): a platform that runs a city's science-and-technology innovation plan."""

__version__ = "0.1.0"
