"""Reproducible, secret-free connector bundles (`kpack build`)."""
