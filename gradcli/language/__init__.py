"""gradcli.language."""
