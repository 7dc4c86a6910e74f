"""Return generation (LES, PCTMS, quarterly) from the library's indicator results."""
