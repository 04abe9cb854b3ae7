"""gradcli.render."""
