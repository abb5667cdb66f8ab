#!/usr/bin/env python3
"""python-oracledb (thin mode) against the scripted TNS listener
(Tests/PreflightOracleTests/ScriptedTNSListener.swift): an independent client must read its answers
as Oracle's before our probe is tested against it.

  python3 scripts/peers/oracle_check.py LISTENER_PORT REDIRECTING_PORT RESENDING_PORT BUSY_PORT [TCPS_PORT CA_FILE]

LISTENER_PORT knows service FREEPDB1 and SID XE; REDIRECTING_PORT redirects to LISTENER_PORT;
RESENDING_PORT asks for the CONNECT again once; BUSY_PORT refuses everything with ORA-12516; TCPS_PORT is
the first listener's twin behind TLS, its certificate issued by the CA in CA_FILE.
Prints one JSON object: for each attempt, the error oracledb raised ("full_code" and "message"), or
"connected" (which cannot happen: the password below is not the database's, so an accepted connection
ends in ORA-01017; oracle_login_check.py checks the login itself).
"""
import json
import ssl
import sys

import oracledb

listener, redirecting, resending, busy = (int(p) for p in sys.argv[1:5])


def attempt(port, host_override=None, **target):
    try:
        oracledb.connect(user="artie", password="Not-The-Database-Password-1", host=host_override or "127.0.0.1", port=port,
                         tcp_connect_timeout=5, retry_count=0, **target).close()
        return {"connected": True}
    except oracledb.Error as e:
        error = e.args[0]
        return {"full_code": getattr(error, "full_code", None), "message": str(error.message)}


out = {
    "thin": oracledb.is_thin_mode(),
    "unknown_service": attempt(listener, service_name="NOPE"),
    "unknown_sid": attempt(listener, sid="NOPE"),
    "known_service": attempt(listener, service_name="FREEPDB1"),
    "known_sid": attempt(listener, sid="XE"),
    "redirected": attempt(redirecting, service_name="FREEPDB1"),
    "resent": attempt(resending, service_name="FREEPDB1"),
    "busy": attempt(busy, service_name="FREEPDB1"),
}
if len(sys.argv) > 6:
    context = ssl.create_default_context(cafile=sys.argv[6])
    # oracledb matches the name against DNS names and the CN only (not IP addresses): ask for localhost.
    out["tcps"] = attempt(int(sys.argv[5]), service_name="FREEPDB1", protocol="tcps", ssl_context=context,
                          host_override="localhost")
print(json.dumps(out))
