"""Small raw and mart tables written with plain SQL, plus crafted variants in their own schemas.

The same statements run on DuckDB and on Postgres. Each variant lives in its own schema, so one database
serves every test and the gate is pointed at a variant through ``schema_map``.
"""

from __future__ import annotations

from collections.abc import Callable

API, FILES, OLTP = "raw_jaffle_api", "raw_jaffle_files", "raw_jaffle_oltp"
STAGING, MARTS = "staging", "marts"
MONEY = ("subtotal", "tax_paid", "order_total")

TABLES: dict[str, tuple[str, list[tuple]]] = {
    f"{API}.customers": (
        "id varchar, name varchar, _dlt_load_id varchar, _dlt_id varchar",
        [("c1", "Ann", "l1", "d1"), ("c2", "Bob", "l1", "d2"), ("c3", "Cy", "l1", "d3")],
    ),
    f"{API}.stores": (
        "id varchar, name varchar, opened_at timestamp, tax_rate double precision, _dlt_load_id varchar",
        [
            ("s1", "Philly", "2016-09-01 00:00:00", 0.06, "l1"),
            ("s2", "Brooklyn", "2017-03-01 00:00:00", 0.04, "l1"),
        ],
    ),
    f"{API}.products": (
        "sku varchar, name varchar, type varchar, price bigint, description varchar",
        [
            ("JAF-001", "nutella", "jaffle", 1100, "sweet"),
            ("JAF-002", "cheese", "jaffle", 1200, "savoury"),
            ("BEV-001", "coffee", "beverage", 400, "hot"),
        ],
    ),
    f"{API}.supplies": (
        "id varchar, name varchar, cost bigint, perishable boolean, sku varchar",
        [
            ("SUP-1", "bread", 30, True, "JAF-001"),
            ("SUP-1", "bread", 30, True, "JAF-002"),
            ("SUP-2", "cup", 5, False, "BEV-001"),
        ],
    ),
    f"{API}.orders": (
        "id varchar, customer_id varchar, store_id varchar, ordered_at timestamp, subtotal bigint,"
        " tax_paid bigint, order_total bigint, _dlt_load_id varchar, _dlt_id varchar",
        [
            ("o1", "c1", "s1", "2017-01-01 10:00:00", 1500, 90, 1590, "l1", "d1"),
            ("o2", "c2", "s2", "2017-01-02 11:00:00", 1200, 48, 1248, "l1", "d2"),
            ("o3", "c1", "s1", "2017-01-03 12:00:00", 400, 24, 424, "l1", "d3"),
        ],
    ),
    f"{API}.orders__items": (
        "id varchar, order_id varchar, sku varchar, _dlt_parent_id varchar, _dlt_root_id varchar,"
        " _dlt_list_idx bigint, _dlt_id varchar",
        [
            ("i1", "o1", "JAF-001", "d1", "d1", 0, "x1"),
            ("i2", "o1", "BEV-001", "d1", "d1", 1, "x2"),
            ("i3", "o2", "JAF-002", "d2", "d2", 0, "x3"),
            ("i4", "o3", "BEV-001", "d3", "d3", 0, "x4"),
        ],
    ),
    f"{FILES}.tweets": (
        "id varchar, user_id varchar, tweeted_at timestamp, content varchar",
        [("t1", "c1", "2017-01-01 09:00:00", "yum"), ("t2", "c2", "2017-01-02 09:00:00", "ok")],
    ),
    f"{FILES}.supplier_prices": (
        "supply_id varchar, sku varchar, supplier varchar, cost_cents bigint, valid_from date",
        [("SUP-1", "JAF-001", "Acme", 30, "2017-01-01"), ("SUP-1", "JAF-001", "Acme", 32, "2017-02-01")],
    ),
    f"{FILES}.store_events": (
        "event_id varchar, store_id varchar, event_type varchar, occurred_at timestamp",
        [("e1", "s1", "visit", "2017-01-01 10:00:00"), ("e2", "s2", "complaint", "2017-01-02 10:00:00")],
    ),
    f"{FILES}.loyalty_events": (
        "event_id varchar, customer_id varchar, store_id varchar, event_type varchar, points bigint,"
        " occurred_at timestamp",
        [
            ("l1", "c1", "s1", "earn", 16, "2017-01-01 10:00:00"),
            ("l2", "c1", "s1", "redeem", -10, "2017-01-05 10:00:00"),
        ],
    ),
    f"{OLTP}.employees": (
        "id bigint, store_id varchar, full_name varchar, role varchar, hourly_rate_cents bigint,"
        " hired_at timestamp, updated_at timestamp",
        [
            (1, "s1", "Dee", "barista", 1500, "2016-08-01 00:00:00", "2017-01-01 00:00:00"),
            (2, "s2", "Eve", "manager", 2400, "2017-02-01 00:00:00", "2017-02-01 00:00:00"),
        ],
    ),
    f"{OLTP}.shifts": (
        "id bigint, employee_id bigint, store_id varchar, starts_at timestamp, ends_at timestamp,"
        " updated_at timestamp",
        [(1, 1, "s1", "2017-01-01 07:00:00", "2017-01-01 15:00:00", "2016-12-20 00:00:00")],
    ),
    f"{OLTP}.inventory_levels": (
        "store_id varchar, sku varchar, on_hand bigint, reorder_point bigint, updated_at timestamp",
        [("s1", "JAF-001", 40, 10, "2017-01-01 00:00:00"), ("s2", "JAF-001", 0, 5, "2017-01-01 00:00:00")],
    ),
    f"{STAGING}.stg_jaffle_api__customers": ("customer_id varchar", [("c1",), ("c2",)]),
    f"{STAGING}.stg_jaffle_api__locations": (
        "location_id varchar, tax_rate double precision",
        [("s1", 0.06), ("s2", 0.04)],
    ),
    f"{STAGING}.stg_jaffle_api__orders": (
        "order_id varchar, customer_id varchar, location_id varchar, ordered_at timestamp,"
        " subtotal numeric(12, 2), tax_paid numeric(12, 2), order_total numeric(12, 2)",
        [("o1", "c1", "s1", "2017-01-01 10:00:00", 15.00, 0.90, 15.90)],
    ),
    f"{STAGING}.stg_jaffle_api__order_items": (
        "order_item_id varchar, order_id varchar, product_id varchar",
        [("i1", "o1", "JAF-001"), ("i2", "o1", "BEV-001")],
    ),
    f"{STAGING}.stg_jaffle_api__products": (
        "product_id varchar, product_type varchar, product_price numeric(12, 2)",
        [("JAF-001", "jaffle", 11.00), ("BEV-001", "beverage", 4.00)],
    ),
    f"{STAGING}.stg_jaffle_api__row_loads": (
        "table_name varchar, load_id varchar, order_id varchar, product_id varchar, supply_id varchar",
        [
            ("orders", "l1", "o1", None, None),
            ("products", "l1", None, "JAF-001", None),
            ("supplies", "l1", None, "JAF-001", "SUP-1"),
        ],
    ),
    f"{STAGING}.stg_jaffle_api__supplies": (
        "supply_uuid varchar, supply_id varchar, product_id varchar, supply_cost numeric(12, 2)",
        [("u1", "SUP-1", "JAF-001", 0.30), ("u2", "SUP-1", "JAF-002", 0.30)],
    ),
    f"{STAGING}.stg_jaffle_files__loyalty_events": (
        "loyalty_event_id varchar, customer_id varchar, location_id varchar, loyalty_event_type varchar,"
        " points bigint, occurred_at timestamp",
        [
            ("l1", "c1", "s1", "earn", 16, "2017-01-01 10:00:00"),
            ("l2", "c1", "s1", "redeem", -10, "2017-01-05 10:00:00"),
        ],
    ),
    f"{STAGING}.stg_jaffle_files__store_events": (
        "store_event_id varchar, location_id varchar, event_type varchar, occurred_at timestamp",
        [("e1", "s1", "visit", "2017-01-01 10:00:00"), ("e2", "s2", "purchase", "2017-01-02 10:00:00")],
    ),
    f"{STAGING}.stg_jaffle_files__supplier_prices": (
        "supplier_price_id varchar, supply_id varchar, product_id varchar, supplier_name varchar,"
        " supplier_cost numeric(12, 2), valid_from date",
        [("p1", "SUP-1", "JAF-001", "Acme", 0.30, "2017-01-01")],
    ),
    f"{STAGING}.stg_jaffle_files__tweets": (
        "tweet_id varchar, tweeted_at timestamp",
        [("t1", "2017-01-01 09:00:00")],
    ),
    f"{STAGING}.stg_jaffle_oltp__employees": (
        "employee_id bigint, location_id varchar, employee_name varchar, employee_role varchar,"
        " hourly_rate numeric(12, 2), hired_at timestamp, updated_at timestamp",
        [(1, "s1", "Dee", "barista", 15.00, "2016-08-01 00:00:00", "2017-01-01 00:00:00")],
    ),
    f"{STAGING}.stg_jaffle_oltp__inventory_levels": (
        "inventory_level_id varchar, location_id varchar, product_id varchar, units_on_hand bigint,"
        " reorder_point_units bigint, updated_at timestamp",
        [("v1", "s1", "JAF-001", 40, 10, "2017-01-01 00:00:00")],
    ),
    f"{STAGING}.stg_jaffle_oltp__shifts": (
        "shift_id bigint, employee_id bigint, location_id varchar, starts_at timestamp, ends_at timestamp,"
        " updated_at timestamp",
        [(1, 1, "s1", "2017-01-01 07:00:00", "2017-01-01 15:00:00", "2016-12-20 00:00:00")],
    ),
    f"{MARTS}.customers": (
        "customer_id varchar, customer_name varchar, count_lifetime_orders bigint, lifetime_spend numeric(12, 2),"
        " customer_type varchar, loyalty_points_earned bigint, loyalty_points_balance bigint",
        [("c1", "Ann", 2, 20.14, "returning", 16, 6), ("c2", "Bob", 1, 12.48, "new", 0, 0)],
    ),
    f"{MARTS}.orders": (
        "order_id varchar, customer_id varchar, location_id varchar, ordered_at timestamp,"
        " subtotal numeric(12, 2), tax_paid numeric(12, 2), order_total numeric(12, 2),"
        " order_cost numeric(12, 2), customer_order_number bigint",
        [
            ("o1", "c1", "s1", "2017-01-01 10:00:00", 15.00, 0.90, 15.90, 1.20, 1),
            ("o2", "c2", "s2", "2017-01-02 11:00:00", 12.00, 0.48, 12.48, 0.90, 1),
            ("o3", "c1", "s1", "2017-01-03 12:00:00", 4.00, 0.24, 4.24, 0.30, 2),
        ],
    ),
    f"{MARTS}.order_items": (
        "order_item_id varchar, order_id varchar, product_id varchar, location_id varchar",
        [
            ("i1", "o1", "JAF-001", "s1"),
            ("i2", "o1", "BEV-001", "s1"),
            ("i3", "o2", "JAF-002", "s2"),
            ("i4", "o3", "BEV-001", "s1"),
        ],
    ),
    f"{MARTS}.products": (
        "product_id varchar, product_name varchar, product_type varchar, product_price numeric(12, 2)",
        [("JAF-001", "nutella", "jaffle", 11.00), ("BEV-001", "coffee", "beverage", 4.00)],
    ),
    f"{MARTS}.locations": (
        "location_id varchar, location_name varchar, tax_rate double precision, count_employees bigint,"
        " count_products_to_reorder bigint, count_stocked_products bigint, count_store_events bigint",
        [("s1", "Philly", 0.06, 3, 0, 2, 1), ("s2", "Brooklyn", 0.04, 2, 1, 1, 1)],
    ),
    f"{MARTS}.supplies": (
        "supply_uuid varchar, supply_id varchar, product_id varchar, supply_cost numeric(12, 2)",
        [
            ("u1", "SUP-1", "JAF-001", 0.30),
            ("u2", "SUP-1", "JAF-002", 0.30),
            ("u3", "SUP-2", "BEV-001", 0.05),
        ],
    ),
    f"{MARTS}.store_daily_revenue": (
        "location_id varchar, order_date date, revenue numeric(12, 2), subtotal numeric(12, 2),"
        " tax_paid numeric(12, 2)",
        [
            ("s1", "2017-01-01", 15.90, 15.00, 0.90),
            ("s1", "2017-01-03", 4.24, 4.00, 0.24),
            ("s2", "2017-01-02", 12.48, 12.00, 0.48),
        ],
    ),
}

# Variant schema -> (copied from, statements run on the copy). Each bad row breaks one expectation type.
VARIANTS: dict[str, tuple[str, list[str]]] = {
    "bad_api": (
        API,
        [
            "insert into bad_api.customers values (null, 'Nobody', 'l2', 'd9')",  # not null
            "insert into bad_api.customers values ('c1', 'Ann again', 'l2', 'd8')",  # unique
            "insert into bad_api.supplies values ('SUP-2', 'cup', 5, false, 'BEV-001')",  # compound unique
            "insert into bad_api.products values ('JAF-009', 'pizza', 'pizza', 900, 'no')",  # in set
            "insert into bad_api.products values ('JAF-010', 'refund', 'jaffle', -1, 'no')",  # >= 0
            "insert into bad_api.orders values ('o9', 'c1', 's1', '2017-01-04 10:00:00', 100, 6, 1105, 'l2', 'd9')",
        ],
    ),
    "bad_files": (
        FILES,
        [
            "alter table bad_files.supplier_prices alter column cost_cents type double precision",  # integers
            "insert into bad_files.store_events values ('e3', 's1', 'riot', '2017-01-03 10:00:00')",  # in set
        ],
    ),
    "bad_oltp": (
        OLTP,
        [
            "update bad_oltp.inventory_levels set on_hand = -3 where sku = 'JAF-001' and store_id = 's1'",  # >= 0
            "insert into bad_oltp.employees values (2, 's1', 'Eve twin', 'barista', 1500,"
            " '2017-02-01 00:00:00', '2017-02-02 00:00:00')",  # unique
        ],
    ),
    "bad_marts": (
        MARTS,
        [
            "update bad_marts.orders set order_total = order_total + 10 where order_id = 'o1'",  # sum
            "insert into bad_marts.store_daily_revenue values ('s1', '2017-01-01', 1.00, 1.00, 0.00)",  # compound unique
            "update bad_marts.customers set count_lifetime_orders = -1 where customer_id = 'c2'",  # >= 0
            "update bad_marts.products set product_type = 'pizza' where product_id = 'BEV-001'",  # in set
        ],
    ),
    "bad_staging": (
        STAGING,
        [
            # unique and accepted values, both declared only in dbt YAML
            "insert into bad_staging.stg_jaffle_files__loyalty_events values"
            " ('l1', 'c2', 's2', 'gift', 5, '2017-01-06 10:00:00')",
            "update bad_staging.stg_jaffle_oltp__shifts set employee_id = null",  # not null (dbt)
            "insert into bad_staging.stg_jaffle_api__row_loads values"
            " ('supplies', 'l2', null, 'JAF-001', 'SUP-1')",  # a duplicate for dbt only (null in the key)
        ],
    ),
    "rounding_marts": (
        MARTS,
        [
            *(f"alter table rounding_marts.orders alter column {c} type double precision" for c in MONEY),
            "insert into rounding_marts.orders values ('o4', 'c2', 's2', '2017-01-05 10:00:00', 0.1, 0.2, 0.3, 0, 2)",
        ],
    ),
    "warn_marts": (
        MARTS,
        [
            "update warn_marts.orders set subtotal = subtotal * 100, tax_paid = tax_paid * 100, order_total = order_total * 100"
        ],
    ),
    "empty_api": (API, ["delete from empty_api.orders"]),
    "missing_api": (API, ["drop table missing_api.stores"]),
    "nocol_api": (API, ["alter table nocol_api.orders drop column tax_paid"]),
    "variant_files": (
        FILES,
        ["alter table variant_files.supplier_prices add column cost_cents__v_text varchar"],
    ),
}


def build(execute: Callable[[str, tuple], None], placeholder: str) -> None:
    """Create every table and variant through ``execute(sql, parameters)``."""
    schemas = sorted({name.split(".")[0] for name in TABLES} | set(VARIANTS))
    for schema in schemas:
        execute(f"create schema {schema}", ())
    for name, (columns, rows) in TABLES.items():
        execute(f"create table {name} ({columns})", ())
        marks = ", ".join([placeholder] * len(rows[0]))
        for row in rows:
            execute(f"insert into {name} values ({marks})", row)  # noqa: S608 - test fixture constants
    for variant, (source, statements) in VARIANTS.items():
        for name in TABLES:
            schema, table = name.split(".")
            if schema == source:
                execute(f"create table {variant}.{table} as select * from {name}", ())  # noqa: S608
        for statement in statements:
            execute(statement, ())
