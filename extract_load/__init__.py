"""Extract-load: demo data generator, local Jaffle Shop API stand-in and the dlt sources."""
