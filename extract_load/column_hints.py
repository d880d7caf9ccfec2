"""Column hints shared by the source builders."""


def naive_timestamp() -> dict:
    """A column hint for a timestamp without time zone (a new dict each time: dlt writes into hints)."""
    return {"data_type": "timestamp", "timezone": False}
