"""The local sandbox: a miniature TDP cluster (HDFS, Hive Metastore, HiveServer2 protocol, PostgreSQL) and
OKDP target (S3 + Iceberg REST) made of real servers on loopback ports."""
