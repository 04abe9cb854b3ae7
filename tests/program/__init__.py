"""Tests of gradcli.program: a program run on a tape, its derivatives, its recording."""
