"""Readers: turn source files into the course model, reporting every problem found."""
