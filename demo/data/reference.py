"""Fixed reference tables: stores, products and supplies (the same for every seed and scale)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa

from demo.data.randomness import rng_for, uuid_strings

REFERENCE_SEED = 20160901
ORDER_WINDOW_START = datetime(2016, 9, 1)
ORDER_WINDOW_DAYS = 365  # 2016-09-01 .. 2017-08-31

# name, opened_at, tax rate in basis points (1/100 of a percent), relative demand once open
STORES = (
    ("Philadelphia", datetime(2016, 9, 1), 600, 1.0),
    ("Brooklyn", datetime(2017, 3, 12), 400, 0.9),
    ("Chicago", datetime(2018, 4, 29), 625, 0.8),
    ("San Francisco", datetime(2018, 5, 9), 750, 0.8),
    ("New Orleans", datetime(2019, 3, 10), 400, 0.6),
    ("Los Angeles", datetime(2019, 9, 13), 800, 0.9),
)

# sku, name, type, price in cents, description, relative popularity
PRODUCTS = (
    ("JAF-001", "the choc-nana", "jaffle", 1199, "nutella and banana jaffle", 0.05),
    ("JAF-002", "stew-pendous", "jaffle", 1199, "house-made beef stew and onion jaffle", 0.04),
    ("JAF-003", "brat pack", "jaffle", 1229, "lamb and pork bratwurst with house-pickled cabbage", 0.03),
    ("JAF-004", "pork of fire", "jaffle", 1449, "pulled pork and pineapple, with a ghost pepper kick", 0.05),
    ("JAF-005", "melon collie", "jaffle", 1279, "melon and minced beef, savory and sweet", 0.03),
    ("BEV-001", "tango mango", "beverage", 699, "mango and tangerine smoothie", 0.20),
    ("BEV-002", "chai hard", "beverage", 599, "oatmilk chai latte", 0.18),
    ("BEV-003", "iced iced baby", "beverage", 699, "iced coffee with house-made vanilla syrup", 0.16),
    ("BEV-004", "pour decisions", "beverage", 749, "single-estate beans as a slow pourover", 0.14),
    ("BEV-005", "kiwi-ade", "beverage", 499, 'kiwi and lime agua fresca, "lightly" sweet', 0.12),
)

_JAFFLES = tuple(p[0] for p in PRODUCTS if p[2] == "jaffle")
_BEVERAGES = tuple(p[0] for p in PRODUCTS if p[2] == "beverage")

# supply id, name, cost in cents, perishable, skus it goes into (id repeats across skus)
SUPPLIES = (
    ("SUP-001", "compostable cutlery - knife", 7, False, _JAFFLES),
    ("SUP-002", "compostable cutlery - fork", 7, False, _JAFFLES),
    ("SUP-003", "serving boat", 11, False, _JAFFLES),
    ("SUP-004", "napkin", 4, False, _JAFFLES + _BEVERAGES),
    ("SUP-005", "16oz compostable clear cup", 13, False, _BEVERAGES),
    ("SUP-006", "16oz compostable clear lid", 4, False, _BEVERAGES),
    ("SUP-007", "biodegradable straw", 13, False, _BEVERAGES),
    ("SUP-008", "sourdough bread", 33, True, _JAFFLES),
    ("SUP-009", "butter", 8, True, _JAFFLES),
    ("SUP-010", "nutella", 46, True, ("JAF-001",)),
    ("SUP-011", "banana", 13, True, ("JAF-001",)),
    ("SUP-012", "beef stew", 169, True, ("JAF-002",)),
    ("SUP-013", "onion", 5, True, ("JAF-002",)),
    ("SUP-014", "lamb and pork bratwurst", 234, True, ("JAF-003",)),
    ("SUP-015", "house-pickled cabbage", 43, True, ("JAF-003",)),
    ("SUP-016", "pulled pork", 215, True, ("JAF-004",)),
    ("SUP-017", "pineapple", 26, True, ("JAF-004",)),
    ("SUP-018", "melon", 33, True, ("JAF-005",)),
    ("SUP-019", "minced beef", 124, True, ("JAF-005",)),
    ("SUP-020", "mango", 32, True, ("BEV-001",)),
    ("SUP-021", "oatmilk", 11, True, ("BEV-002",)),
    ("SUP-022", "coffee beans", 27, False, ("BEV-003", "BEV-004")),
    ("SUP-023", "kiwi", 20, True, ("BEV-005",)),
)

STORES_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("opened_at", pa.timestamp("us")),
        ("tax_rate", pa.float64()),
    ]
)
PRODUCTS_SCHEMA = pa.schema(
    [
        ("sku", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("price", pa.int64()),
        ("description", pa.string()),
    ]
)
SUPPLIES_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("cost", pa.int64()),
        ("perishable", pa.bool_()),
        ("sku", pa.string()),
    ]
)


def stores_table() -> pa.Table:
    """Return the six stores; ids come from a fixed seed so they never change."""
    ids = uuid_strings(rng_for(REFERENCE_SEED), len(STORES))
    return pa.table(
        {
            "id": ids,
            "name": [s[0] for s in STORES],
            "opened_at": [s[1] for s in STORES],
            "tax_rate": [s[2] / 10_000 for s in STORES],
        },
        schema=STORES_SCHEMA,
    )


def store_tax_basis_points() -> np.ndarray:
    """Return each store's tax rate in basis points, in the order of stores_table()."""
    return np.array([s[2] for s in STORES], dtype=np.int64)


def store_demand() -> np.ndarray:
    """Return each store's relative demand once open, in the order of stores_table()."""
    return np.array([s[3] for s in STORES], dtype=np.float64)


def products_table() -> pa.Table:
    """Return the ten products (five jaffles, five beverages), prices in cents."""
    columns = list(zip(*(p[:5] for p in PRODUCTS), strict=True))
    return pa.table(dict(zip(PRODUCTS_SCHEMA.names, columns, strict=True)), schema=PRODUCTS_SCHEMA)


def product_popularity() -> np.ndarray:
    """Return each product's relative popularity, in the order of products_table()."""
    return np.array([p[5] for p in PRODUCTS], dtype=np.float64)


def supplies_table() -> pa.Table:
    """Return the 65 supply rows, one per supply and product; the key is (id, sku)."""
    rows = [
        (sid, name, cost, perishable, sku) for sid, name, cost, perishable, skus in SUPPLIES for sku in skus
    ]
    rows.sort(key=lambda row: (row[0], row[4]))
    return pa.table(
        dict(zip(SUPPLIES_SCHEMA.names, zip(*rows, strict=True), strict=True)), schema=SUPPLIES_SCHEMA
    )
