"""Defaults shared by the command line and the pipeline, kept apart so that the
command line's parser can show them without importing the pipeline."""

SIGHTING_WAIT_S = 10.0  # how long a sighting may wait for the callsign, by default
VISIT_GAP_S = 600.0  # silence that ends a visit, by default
