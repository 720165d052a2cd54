"""dossiers app."""
