#!/usr/bin/env python3
"""python-oracledb (thin mode) logs in to the scripted Oracle database
(Tests/PreflightOracleTests/ScriptedOracleServer.swift behind ScriptedTNSListener.swift): an independent
O5LOGON client must log in with the right passwords (12c and 11g verifiers), verify the server's
AUTH_SVR_RESPONSE, and get Oracle's errors for the others, before our probe is tested against it.

  python3 scripts/peers/oracle_login_check.py SETTINGS.json

SETTINGS.json: {"password": ..., "legacy_password": ..., "ports": {"plain": P, "break": P, "impostor": P,
"v23": P}}: "plain" is the listener with the standard users, "break" sends a BREAK marker before each
error, "impostor" accepts any password without knowing the verifier, "v23" speaks the 23ai field version.
Prints one JSON object: for each attempt, "connected" (with the server version oracledb read) or the
error oracledb raised ("full_code" and "message").
"""
import json
import sys

import oracledb

with open(sys.argv[1]) as settings_file:
    settings = json.load(settings_file)
ports = settings["ports"]
password = settings["password"]


def attempt(port, user, secret):
    try:
        connection = oracledb.connect(user=user, password=secret, host="127.0.0.1", port=port,
                                      service_name="FREEPDB1", tcp_connect_timeout=5, retry_count=0)
        version = connection.version
        connection.close()
        return {"connected": True, "version": version}
    except oracledb.Error as e:
        error = e.args[0]
        return {"full_code": getattr(error, "full_code", None), "message": str(error.message)}


out = {
    "thin": oracledb.is_thin_mode(),
    "12c": attempt(ports["plain"], "artie", password),
    "12c_upper_case_user": attempt(ports["plain"], "ARTIE", password),
    "11g": attempt(ports["plain"], "legacy", settings["legacy_password"]),
    "wrong_password": attempt(ports["plain"], "artie", password + "x"),
    "wrong_password_11g": attempt(ports["plain"], "legacy", password),
    "unknown_user": attempt(ports["plain"], "nobody", password),
    "locked": attempt(ports["plain"], "locked", password),
    "expired": attempt(ports["plain"], "expired", password),
    "no_create_session": attempt(ports["plain"], "nosession", password),
    "verifier_10g": attempt(ports["plain"], "old10g", password),
    "break_wrong_password": attempt(ports["break"], "artie", password + "x"),
    "break_12c": attempt(ports["break"], "artie", password),
    "impostor": attempt(ports["impostor"], "artie", password),
    "v23_12c": attempt(ports["v23"], "artie", password),
    "v23_wrong_password": attempt(ports["v23"], "artie", password + "x"),
}
print(json.dumps(out))
