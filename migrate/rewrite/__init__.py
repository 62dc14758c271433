"""`okdp-migrate rewrite`: HiveQL scripts, views and Oozie HiveQL translated to Trino and Spark SQL."""
