#!/usr/bin/env python3
"""pytds (python-tds, an independent TDS 7.4 client; pyOpenSSL for TLS) against the scripted SQL Server
peer (Tests/PreflightMSSQLTests/ScriptedTDSPeer.swift): a real client must log in to it before our probe
is tested against it.

  python3 scripts/peers/tds_check.py PORT USER PASSWORD CA_FILE FORCED_PORT

Prints one JSON object: what pytds saw on each path.
"""
import json, sys
import pytds

port, user, password, cafile, forced_port = sys.argv[1:6]
out = {}


def connect(p=port, u=user, pw=password, db="app", **tls):
    return pytds.connect(server="127.0.0.1", port=int(p), user=u, password=pw, database=db,
                         login_timeout=10, timeout=10, autocommit=True, disable_connect_retry=True, **tls)


def attempt(name, **kwargs):
    try:
        c = connect(**kwargs)
        cur = c.cursor()
        # The peer answers this with its canned server row: version, edition, engine edition, database,
        # user, is_cdc_enabled, snapshot_isolation_state.
        cur.execute("SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), CAST(SERVERPROPERTY('Edition') "
                    "AS nvarchar(128)) FROM sys.databases AS d WHERE d.database_id = DB_ID()")
        row = cur.fetchone()
        out[name] = {"ok": True, "version": row[0], "edition": row[1], "database": row[3], "cdc": row[5]}
        c.close()
    except pytds.tds_base.Error as e:
        out[name] = {"ok": False, "number": getattr(e, "number", None), "text": str(e)}


# Encryption off (pytds asks ENCRYPT_NOT_SUP without a CA file).
attempt("plain")
attempt("wrong_password", pw=password + "-wrong")
attempt("unknown_database", db="nope")
# TLS inside TDS, the whole session (ENCRYPT_ON), the chain checked against the test CA.
attempt("tls", cafile=cafile, validate_host=False)
attempt("tls_wrong_password", cafile=cafile, validate_host=False, pw=password + "-wrong")
# TLS for LOGIN7 only (ENCRYPT_OFF both ways), then plaintext.
attempt("login_only", cafile=cafile, validate_host=False, enc_login_only=True)
# A server that forces encryption refuses a client that cannot encrypt, and takes one that does.
attempt("forced_plain", p=forced_port)
attempt("forced_tls", p=forced_port, cafile=cafile, validate_host=False)
print(json.dumps(out))
