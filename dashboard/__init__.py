"""A pipeline and business dashboard (Dash) that reads the published data and the run history only."""
