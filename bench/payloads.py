#!/usr/bin/env python3
"""Writes the ping bodies bench/run.sh sends, one JSON file per peer, from the test servers' environment
(scripts/test-servers.sh's env file): postgres, mysql, mongo, s3, dynamodb, redis, clickhouse, refused (a
loopback port nothing listens on), and, when their ports are given, silent (accepts, never answers) and
hole (never accepts: connects hang). Files are written mode 0600: they hold the test servers' passwords.

  python3 bench/payloads.py DIR [--silent-port P] [--hole-port P] [--timeout SECONDS]
"""
import argparse
import json
import os
import socket

parser = argparse.ArgumentParser()
parser.add_argument("dir")
parser.add_argument("--silent-port", type=int)
parser.add_argument("--hole-port", type=int)
parser.add_argument("--timeout", type=float, default=3)
args = parser.parse_args()
e = os.environ


def postgres(port, timeout=None):
    body = {"type": "postgresql",
            "sharedConfig": {"host": "127.0.0.1", "port": port, "user": e["PREFLIGHT_TEST_PG_SCRAM_USER"],
                             "password": e["PREFLIGHT_TEST_PG_SCRAM_PASSWORD"], "sslMode": "disable"},
            "defaultDatabase": "postgres"}
    if timeout:
        body["timeoutSeconds"] = timeout
    return body


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


bodies = {
    "postgres": postgres(int(e["PREFLIGHT_TEST_PG_PORT"])),
    "refused": postgres(free_port()),
    "mysql": {"type": "mysql", "sharedConfig": {
        "host": "127.0.0.1", "port": int(e["PREFLIGHT_TEST_MYSQL_PORT"]), "user": e["PREFLIGHT_TEST_MYSQL_NATIVE_USER"],
        "password": e["PREFLIGHT_TEST_MYSQL_NATIVE_PASSWORD"], "tlsMode": ""}},
    "mongo": {"type": "mongodb", "sharedConfig": {
        "host": f"mongodb://127.0.0.1:{e['PREFLIGHT_TEST_MONGO_PORT']}/?authSource=admin",
        "user": e["PREFLIGHT_TEST_MONGO_SHA256_USER"], "password": e["PREFLIGHT_TEST_MONGO_SHA256_PASSWORD"]}},
    "s3": {"type": "s3", "sharedConfig": {
        "awsAccessKeyID": e["PREFLIGHT_TEST_AWS_GOOD_KEY_ID"], "awsSecretAccessKey": e["PREFLIGHT_TEST_AWS_GOOD_SECRET"],
        "awsRegion": e["PREFLIGHT_TEST_AWS_REGION"], "endpointURL": e["PREFLIGHT_TEST_AWS_ENDPOINT"],
        "bucket": e["PREFLIGHT_TEST_AWS_BUCKET"]}},
    "dynamodb": {"type": "dynamodb", "sharedConfig": {
        "awsAccessKeyID": e["PREFLIGHT_TEST_AWS_GOOD_KEY_ID"], "awsSecretAccessKey": e["PREFLIGHT_TEST_AWS_GOOD_SECRET"],
        "streamsArn": e["PREFLIGHT_TEST_AWS_STREAM_ARN"], "endpointURL": e["PREFLIGHT_TEST_AWS_ENDPOINT"]}},
    "redis": {"type": "redis", "sharedConfig": {
        "host": "127.0.0.1", "port": int(e["PREFLIGHT_TEST_REDIS_PORT"]), "username": e["PREFLIGHT_TEST_REDIS_ACL_USER"],
        "password": e["PREFLIGHT_TEST_REDIS_ACL_PASSWORD"], "database": 1}},
    "clickhouse": {"type": "clickhouse", "sharedConfig": {
        "addresses": [f"127.0.0.1:{e['PREFLIGHT_TEST_CLICKHOUSE_HTTP_PORT']}"], "username": e["PREFLIGHT_TEST_CLICKHOUSE_USER"],
        "password": e["PREFLIGHT_TEST_CLICKHOUSE_PASSWORD"], "isInsecure": True}},
}
if args.silent_port:
    bodies["silent"] = postgres(args.silent_port, args.timeout)
if args.hole_port:
    bodies["hole"] = postgres(args.hole_port, args.timeout)
for name, body in bodies.items():
    fd = os.open(os.path.join(args.dir, name + ".json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(body, f)
