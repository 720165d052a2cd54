"""access app."""
