"""Bastion: find, review and act on terrorist and violent extremist content."""

__version__ = "0.1.0"
