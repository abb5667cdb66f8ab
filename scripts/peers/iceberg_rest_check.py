"""Checks FakeIcebergCatalog with Apache Iceberg's own Python client (pyiceberg's RestCatalog) before
Preflight is tested against it: /v1/config with its prefix, namespaces with the 0x1F separator, a staged
create (create_table_transaction, never committed), a create and a purge, and a reader's refusal.

usage: iceberg_rest_check.py URI WRITER_TOKEN READER_TOKEN CA_FILE NAMESPACE
Prints one JSON object with what pyiceberg saw; exits non-zero when pyiceberg refuses an answer.
"""
import json
import os
import sys


def main() -> int:
    uri, writer_token, reader_token, ca_file, namespace = sys.argv[1:6]
    os.environ["REQUESTS_CA_BUNDLE"] = ca_file
    from pyiceberg.catalog.rest import RestCatalog
    from pyiceberg.exceptions import ForbiddenError, NoSuchNamespaceError
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField

    schema = Schema(NestedField(field_id=1, name="id", field_type=LongType(), required=False))
    # No pyarrow here: tables are opened with fsspec's FileIO (no file is read or written).
    io = {"py-io-impl": "pyiceberg.io.fsspec.FsspecFileIO"}
    writer = RestCatalog("writer", uri=uri, token=writer_token, **io)
    out = {"namespaces": sorted(".".join(n) for n in writer.list_namespaces())}
    out["properties"] = writer.load_namespace_properties(namespace)
    try:
        writer.load_namespace_properties("nowhere")
        out["missing"] = "loaded"
    except NoSuchNamespaceError:
        out["missing"] = "NoSuchNamespaceError"
    staged = writer.create_table_transaction(f"{namespace}.staged_by_pyiceberg", schema)
    out["staged_location"] = staged.table_metadata.location
    table = writer.create_table(f"{namespace}.created_by_pyiceberg", schema)
    out["created_schema"] = [f.name for f in table.schema().fields]
    writer.purge_table(f"{namespace}.created_by_pyiceberg")
    reader = RestCatalog("reader", uri=uri, token=reader_token, **io)
    try:
        reader.create_table_transaction(f"{namespace}.refused", schema)
        out["reader_staged"] = "allowed"
    except ForbiddenError as error:
        out["reader_staged"] = "ForbiddenError: " + str(error)
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
