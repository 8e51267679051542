"""Reports of an analysis: the self-contained HTML page."""
