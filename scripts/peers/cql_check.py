"""Checks the scripted Amazon Keyspaces peer with real clients: cassandra-driver (DataStax, pure Python)
and cassandra-sigv4 (Amazon's SigV4 plugin). None of the protocol code used here is ours.

Usage: python3 cql_check.py '{"port": 9142, "ca": "/path/ca.pem", "region": "us-east-1",
  "cases": [{"name": "...", "auth": "sigv4"|"plain", "user": "...", "secret": "...", "negotiate": "1"?}]}'
Prints one JSON object per case: {"name", "ok", "release_version", "protocol_version" | "error"}.
"""
import json
import ssl
import sys
import time

from cassandra import ProtocolVersion
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra_sigv4.auth import SigV4AuthProvider


def run_case(spec, case):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(spec["ca"])
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if case["auth"] == "sigv4":
        auth = SigV4AuthProvider(
            aws_access_key_id=case["user"], aws_secret_access_key=case["secret"], region_name=spec["region"])
    else:
        auth = PlainTextAuthProvider(username=case["user"], password=case["secret"])
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(["127.0.0.1"]))
    # "negotiate": let the driver start at its newest version and downgrade on the peer's protocol error.
    versions = {} if case.get("negotiate") else {"protocol_version": ProtocolVersion.V4}
    cluster = Cluster(
        ["127.0.0.1"], port=spec["port"], ssl_context=context, ssl_options={"server_hostname": "127.0.0.1"},
        auth_provider=auth, schema_metadata_enabled=False, token_metadata_enabled=False,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile}, connect_timeout=5, control_connection_timeout=5,
        **versions)
    started = time.monotonic()
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local").one()
        return {"name": case["name"], "ok": True, "release_version": row.release_version,
                "protocol_version": cluster.protocol_version, "seconds": time.monotonic() - started}
    except Exception as error:  # the case's verdict, reported to the Swift test
        return {"name": case["name"], "ok": False, "error": "%s: %s" % (type(error).__name__, error)}
    finally:
        cluster.shutdown()


def main():
    spec = json.loads(sys.argv[1])
    print(json.dumps([run_case(spec, case) for case in spec["cases"]]))


if __name__ == "__main__":
    main()
