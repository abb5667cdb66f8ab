"""Checks FakeDatabricks with Databricks' own Python SDK (databricks-sdk) before Preflight is tested
against it: SCIM Me, Unity Catalog effective permissions (paginated), volume and schema owners,
the warehouse state, and the Files API's single-shot upload and delete.

usage: databricks_sdk_check.py HOST TOKEN CA_FILE VOLUME SCHEMA WAREHOUSE_ID
Prints one JSON object with what the SDK read; exits non-zero when the SDK refuses an answer.
"""
import io
import json
import os
import sys


def main() -> int:
    host, token, ca_file, volume, schema, warehouse = sys.argv[1:7]
    os.environ["REQUESTS_CA_BUNDLE"] = ca_file
    for name in list(os.environ):
        if name.startswith("DATABRICKS_"):
            del os.environ[name]
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.core import Config
    from databricks.sdk.errors import PermissionDenied

    config = Config(host=host, token=token, auth_type="pat", disable_experimental_files_api_client=True,
                    retry_timeout_seconds=10)
    w = WorkspaceClient(config=config)
    me = w.current_user.me()
    out = {"user": me.user_name, "groups": sorted(g.display for g in (me.groups or []))}

    def effective(kind, name):
        privileges, pages, token_ = {}, 0, None
        while True:
            page = w.grants.get_effective(kind, name, max_results=0, page_token=token_)
            pages += 1
            for a in page.privilege_assignments or []:
                privileges.setdefault(a.principal, []).extend(
                    [p.privilege.value, p.inherited_from_type.value if p.inherited_from_type else None]
                    for p in a.privileges or [])
            token_ = page.next_page_token
            if not token_:
                return privileges, pages

    out["volume_grants"], out["volume_pages"] = effective("volume", volume)
    out["schema_grants"], out["schema_pages"] = effective("schema", schema)
    out["volume_owner"] = w.volumes.read(volume).owner
    out["schema_owner"] = w.schemas.get(schema).owner
    out["warehouse_state"] = w.warehouses.get(warehouse).state.value
    catalog, sch, vol = volume.split(".")
    path = f"/Volumes/{catalog}/{sch}/{vol}/preflight_sdk_check"
    try:
        w.files.upload(path, io.BytesIO(b""), overwrite=False)
        w.files.delete(path)
        out["write"] = "put and deleted"
    except PermissionDenied as error:
        out["write"] = "denied: " + str(error)
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
