"""Domain rules: plain types and functions with no I/O (no database, terminal or clock).

Services pass in everything a rule needs, including "today".
"""
