"""Checks FakeSnowflake with Snowflake's own Python connector (snowflake-connector-python) before
Preflight is tested against it: the session API's login-request with a password (and its refusal,
390100), query-request answers for SHOW GRANTS TO ROLE and SHOW WAREHOUSES (the destination readiness
statements) read through a cursor, a refused SHOW, and the logout.

usage: snowflake_connector_check.py HOST PORT ACCOUNT USER PASSWORD CA_FILE
Prints one JSON object; exits non-zero when the connector refuses an answer.
"""
import json
import os
import sys


def main() -> int:
    host, port, account, user, password, ca_file = sys.argv[1:7]
    os.environ["REQUESTS_CA_BUNDLE"] = ca_file
    import snowflake.connector
    from snowflake.connector.errors import DatabaseError, ProgrammingError

    common = dict(host=host, port=int(port), protocol="https", account=account, user=user,
                  warehouse="LOADING_WH", login_timeout=10, network_timeout=10, disable_ocsp_checks=True,
                  client_telemetry_enabled=False, client_session_keep_alive=False,
                  custom_root_store_path=ca_file)
    out = {}
    try:
        snowflake.connector.connect(password="not-" + password, **common)
        out["wrong_password"] = "accepted"
    except DatabaseError as error:
        out["wrong_password"] = error.errno
    connection = snowflake.connector.connect(password=password, **common)
    cursor = connection.cursor()
    cursor.execute("SHOW GRANTS TO ROLE LOADER_ROLE")
    out["grant_columns"] = [column[0] for column in cursor.description]
    out["grants"] = sorted(f"{row[1]} {row[2]} {row[3]}" for row in cursor.fetchall())
    cursor.execute("SHOW WAREHOUSES LIKE 'LOADING_WH'")
    rows = cursor.fetchall()
    names = [column[0] for column in cursor.description]
    out["warehouse"] = {name: rows[0][names.index(name)] for name in ("name", "state", "auto_resume")} if rows else None
    try:
        cursor.execute("SHOW GRANTS TO ROLE SYSADMIN")
        out["other_role"] = "shown"
    except ProgrammingError as error:
        out["other_role"] = error.errno
    connection.close()
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
