#!/usr/bin/env python3
"""python-oracledb (thin mode) logs in to the scripted Oracle database
(Tests/PreflightOracleTests/ScriptedOracleServer.swift behind ScriptedTNSListener.swift): an independent
O5LOGON client must log in with the right passwords (12c and 11g verifiers), verify the server's
AUTH_SVR_RESPONSE, and get Oracle's errors for the others, before our probe is tested against it.

  python3 scripts/peers/oracle_login_check.py SETTINGS.json

SETTINGS.json: {"password": ..., "legacy_password": ..., "ports": {"plain": P, "break": P, "impostor": P,
"v23": P, "few_rows": P}, "queries": [SQL, ...]}: "plain" is the listener with the standard users,
"break" sends a BREAK marker before each error, "impostor" accepts any password without knowing the
verifier, "v23" speaks the 23ai field version, "few_rows" answers at most 2 rows per call (the rest on
FETCH). The queries (Preflight's readiness queries) are run as artie and as bare on "plain" and as artie
on "few_rows" and "v23".
Prints one JSON object: for each attempt, "connected" (with the server version oracledb read) or the
error oracledb raised ("full_code" and "message"); for each query run, its rows or its error.
"""
import json
import sys

import oracledb

with open(sys.argv[1]) as settings_file:
    settings = json.load(settings_file)
ports = settings["ports"]
password = settings["password"]


def run_queries(port, user):
    results = []
    with oracledb.connect(user=user, password=password, host="127.0.0.1", port=port, service_name="FREEPDB1",
                          tcp_connect_timeout=5, retry_count=0) as connection:
        for sql in settings["queries"]:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    results.append({"columns": [d[0] for d in cursor.description], "rows": cursor.fetchall()})
            except oracledb.Error as e:
                results.append({"full_code": e.args[0].full_code})
    return results


def attempt(port, user, secret):
    try:
        connection = oracledb.connect(user=user, password=secret, host="127.0.0.1", port=port,
                                      service_name="FREEPDB1", tcp_connect_timeout=5, retry_count=0)
        version = connection.version
        warning = connection.warning.full_code if connection.warning is not None else None
        connection.close()
        return {"connected": True, "version": version, "warning": warning}
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
    "grace": attempt(ports["plain"], "grace", password),
    "no_create_session": attempt(ports["plain"], "nosession", password),
    "verifier_10g": attempt(ports["plain"], "old10g", password),
    "break_wrong_password": attempt(ports["break"], "artie", password + "x"),
    "break_12c": attempt(ports["break"], "artie", password),
    "impostor": attempt(ports["impostor"], "artie", password),
    "v23_12c": attempt(ports["v23"], "artie", password),
    "v23_wrong_password": attempt(ports["v23"], "artie", password + "x"),
    "queries_artie": run_queries(ports["plain"], "artie"),
    "queries_bare": run_queries(ports["plain"], "bare"),
    "queries_few_rows": run_queries(ports["few_rows"], "artie"),
    "queries_v23": run_queries(ports["v23"], "artie"),
}
print(json.dumps(out))
