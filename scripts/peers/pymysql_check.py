#!/usr/bin/env python3
"""PyMySQL against the scripted MySQL 8 peer (Tests/PreflightMySQLTests/ScriptedMySQLPeer.swift): an
independent client must be able to log in to it before our probe is tested against it.

  python3 scripts/peers/pymysql_check.py PORT CACHING_USER CACHING_PASSWORD NATIVE_USER NATIVE_PASSWORD

Prints one JSON object: what PyMySQL saw.
"""
import json, sys
import pymysql
port, user, password, native_user, native_password = sys.argv[1:6]
out = {}
# PyMySQL encodes a str password as latin-1; MySQL compares the bytes the client sends: UTF-8 here.
def login(u, p):
    return pymysql.connect(host="127.0.0.1", port=int(port), user=u, password=p.encode("utf-8"),
                           autocommit=None, connect_timeout=10, ssl_disabled=True)
# caching_sha2_password, not cached: full authentication over plain TCP, asking for the RSA key.
c = login(user, password)
cur = c.cursor()
cur.execute("SHOW GRANTS")
out["grants"] = [row[0] for row in cur.fetchall()]
cur.execute("SHOW GLOBAL VARIABLES")
out["binlog_format"] = dict(cur.fetchall()).get("binlog_format")
out["server_version"] = c.get_server_info()
c.close()
# Cached now: the fast path.
login(user, password).close()
out["second_login"] = "ok"
try:
    login(user, password + "-wrong").close()
    out["wrong"] = "accepted"
except pymysql.err.OperationalError as e:
    out["wrong"] = e.args[0]
login(native_user, native_password).close()
out["native"] = "ok"
print(json.dumps(out))
