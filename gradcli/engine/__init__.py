"""gradcli.engine."""
