"""``python -m inclusion_practice`` is the same as ``inclusion-practice``."""

from inclusion_practice.cli.app import run

run()
