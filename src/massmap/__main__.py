"""`python -m massmap` runs the command line."""

from massmap.cli import app

app(prog_name="massmap")
