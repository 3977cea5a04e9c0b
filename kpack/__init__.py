"""kpack: the linter and packager for Cozy Cloud connectors."""

__version__ = "0.1.0"
