"""Independent case generators and scorers (written without reading the code they test)."""
