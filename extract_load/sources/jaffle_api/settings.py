"""Constants of the Jaffle Shop REST API source; its endpoints, keys and cursor are declared in rest_api.yaml."""

from ...rest import rest_dataset_name

SOURCE_NAME = "jaffle_api"
DATASET_NAME = rest_dataset_name(SOURCE_NAME)
PAGE_SIZE_KEY = f"sources.{SOURCE_NAME}.page_size"
