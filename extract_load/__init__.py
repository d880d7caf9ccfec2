"""Extract-load: the declared sources, their generic builders (REST, files, SQL) and the dlt pipelines."""

import settings  # noqa: F401  (anchors dlt's .dlt folder to the project before any dlt configuration is read)
