"""Modal dialogs (``ModalScreen[T]``) that return a typed result with ``dismiss``."""
