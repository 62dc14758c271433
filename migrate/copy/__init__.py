"""`okdp-migrate copy`: throttled, resumable, verified copy of HDFS files into S3.

run.run_copy orchestrates; mover copies one file; journal remembers; throttle limits; source/target
are the two ends; crc holds the CRC32C math.
"""
