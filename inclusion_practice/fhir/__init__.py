"""FHIR R4 (UK Core) mapping at the edge: our types to and from ``fhir.resources.R4B``.

FHIR resources are never stored as tables; these modules translate.
"""
