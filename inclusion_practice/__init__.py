"""Inclusion Practice: register, book and look after inclusion-health patients in an English GP
practice, and prove it to commissioners.

The typed API starts at :class:`inclusion_practice.api.InclusionPractice`.
"""

__version__ = "0.1.0"
