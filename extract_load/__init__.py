"""Extract-load: demo data generator, local Jaffle Shop API stand-in and the dlt sources."""

import os
from pathlib import Path

# dlt looks for `.dlt/config.toml` in the working directory; anchor it to the project so any cwd works.
os.environ.setdefault("DLT_PROJECT_DIR", str(Path(__file__).resolve().parent.parent))
