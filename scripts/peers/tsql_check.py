#!/usr/bin/env python3
"""FreeTDS's tsql (Debian freetds-bin, TDS 7.4, GnuTLS) against the scripted SQL Server peer
(Tests/PreflightMSSQLTests/ScriptedTDSPeer.swift): a second independent client must log in to it.

  python3 scripts/peers/tsql_check.py PORT USER PASSWORD CA_FILE

Prints one JSON object: for each path, whether tsql logged in and ran the query, and the server
message number it reported when it did not.
"""
import json, os, re, subprocess, sys, tempfile

port, user, password, cafile = sys.argv[1:5]
out = {}
QUERY = ("SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), CAST(SERVERPROPERTY('Edition') "
         "AS nvarchar(128)) FROM sys.databases AS d WHERE d.database_id = DB_ID()\ngo\nquit\n")

with tempfile.TemporaryDirectory() as directory:
    conf = os.path.join(directory, "freetds.conf")
    with open(conf, "w") as handle:
        handle.write(f"""[global]
    tds version = 7.4
[plain]
    host = 127.0.0.1
    port = {port}
    encryption = off
[tls]
    host = 127.0.0.1
    port = {port}
    encryption = require
    ca file = {cafile}
    check certificate hostname = no
""")
    env = dict(os.environ, FREETDSCONF=conf, FREETDS=conf, LANG="C.UTF-8")

    def attempt(name, server, pw=password, db="app"):
        try:
            result = subprocess.run(["tsql", "-S", server, "-U", user, "-P", pw, "-D", db], input=QUERY,
                                    capture_output=True, text=True, timeout=20, env=env)
        except subprocess.TimeoutExpired:
            out[name] = {"ok": False, "text": "timeout"}
            return
        text = result.stdout + result.stderr
        number = re.search(r"Msg (\d+)", text)
        out[name] = {"ok": "16.0.4135.4" in result.stdout, "number": int(number.group(1)) if number else None,
                     "text": text[-600:]}

    attempt("plain", "plain")
    attempt("wrong_password", "plain", pw=password + "-wrong")
    attempt("unknown_database", "plain", db="nope")
    attempt("tls", "tls")
    attempt("tls_wrong_password", "tls", pw=password + "-wrong")
print(json.dumps(out))
