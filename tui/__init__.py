"""The reception and practice-manager terminal app (Textual). Calls library services only."""
