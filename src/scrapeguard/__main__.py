"""`python -m scrapeguard` runs the command line."""

from .cli import run

run()
