"""``python -m inclusion_practice`` is the same as ``inclusion-practice``."""

from inclusion_practice.cli.app import run

if __name__ == "__main__":
    run()
