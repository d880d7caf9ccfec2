"""The cluster path, rehearsed on one machine: a Spark standalone master and worker on loopback, tracked by PID,
and a Hive metastore kept in PostgreSQL (docs/scale-out.md)."""
