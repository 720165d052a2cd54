"""core app."""
