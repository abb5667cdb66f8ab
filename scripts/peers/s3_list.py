#!/usr/bin/env python3
"""boto3 lists what is in a bucket under a prefix (the moto tests: a write test must leave nothing behind).

  python3 scripts/peers/s3_list.py ENDPOINT REGION KEY_ID SECRET BUCKET PREFIX

Prints one JSON object: {"keys": [...]} (every key under PREFIX).
"""
import json, sys
import boto3

endpoint, region, key_id, secret, bucket, prefix = sys.argv[1:7]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=key_id,
                  aws_secret_access_key=secret)
# The whole bucket, filtered here: moto 5.2 miscomputes the signature of a Prefix containing "/".
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    keys += [item["Key"] for item in page.get("Contents", []) if item["Key"].startswith(prefix)]
print(json.dumps({"keys": keys}))
