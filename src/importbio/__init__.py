"""importbio: the command line, settings and process wiring."""
