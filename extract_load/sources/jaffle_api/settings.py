"""Constants of the Jaffle Shop REST API source: endpoints, keys, pagination and the incremental cursor."""

from ..hints import naive_timestamp

PUBLIC_BASE_URL = "https://jaffle-shop.scalevector.ai/api/v1"
DATASET_NAME = "raw_jaffle_api"
PAGE_SIZE = 1000

# The public API serves orders from 2016-09-01; the cursor starts one day earlier so nothing is missed.
ORDERS_INITIAL_CURSOR = "2016-08-31T00:00:00"


# One entry per endpoint: the table it lands in, its key and column hints. Items are not an endpoint of
# their own: /orders embeds them and dlt writes them to the child table orders__items.
ENDPOINTS: dict[str, dict] = {
    "customers": {"primary_key": "id"},
    "orders": {"primary_key": "id", "columns": {"ordered_at": naive_timestamp()}},
    "products": {"primary_key": "sku"},
    "stores": {"primary_key": "id", "columns": {"opened_at": naive_timestamp()}},
    "supplies": {"primary_key": ["id", "sku"]},
}
