"""The warehouse around the pipeline: settings, connections, publish and the command line."""
