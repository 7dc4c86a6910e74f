"""FHIR R4 artefacts (profiles, extensions, code systems, value sets, measures) as JSON.

A package only so the JSON ships in the wheel and loads through ``importlib.resources``.
"""
