"""gradcli.symbolic."""
