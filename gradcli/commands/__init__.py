"""gradcli.commands."""
