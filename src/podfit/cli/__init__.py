"""podfit.cli."""
