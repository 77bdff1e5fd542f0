"""contact-guard: keeps Discord conversations on the platform."""

__version__ = "0.1.0"
