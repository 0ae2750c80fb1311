"""Bastion: find, review and act on terrorist and violent extremist content."""

import sys

import structlog

__version__ = "0.1.0"

if not structlog.is_configured():
    # Logs go to stderr: stdout carries what commands are asked for (`scan -o -` verdicts,
    # `eval --json`), and a warning between two JSON lines would corrupt it.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
