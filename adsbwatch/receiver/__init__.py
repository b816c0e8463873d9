"""The station: sources, the command line, outputs and everything else with I/O."""
