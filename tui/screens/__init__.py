"""One screen per file: sign-in, lock, and one per section of the app."""
