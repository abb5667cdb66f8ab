"""Checks FakeGoogle with Google's own Python libraries before Preflight is tested against it: google-auth
signs the service-account assertion and exchanges it at the peer's token endpoint; google-cloud-storage
lists buckets, asks a bucket's testIamPermissions (the destination readiness answer) and gets Cloud
Storage's NotFound for a missing object; Cloud Resource Manager's projects.testIamPermissions is asked
through google-auth's AuthorizedSession.

usage: google_client_check.py BASE_URL KEY_FILE CA_FILE
Prints one JSON object; exits non-zero when a library refuses an answer.
"""
import json
import os
import sys


def main() -> int:
    base, key_file, ca_file = sys.argv[1:4]
    os.environ["REQUESTS_CA_BUNDLE"] = ca_file
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "STORAGE_EMULATOR_HOST"):
        os.environ.pop(name, None)
    from google.api_core.exceptions import NotFound
    from google.auth.transport.requests import AuthorizedSession
    from google.cloud import storage
    from google.oauth2 import service_account

    scopes = ["https://www.googleapis.com/auth/devstorage.read_write", "https://www.googleapis.com/auth/iam.test"]
    creds = service_account.Credentials.from_service_account_file(key_file, scopes=scopes)
    client = storage.Client(project="acme-data", credentials=creds, client_options={"api_endpoint": base})
    out = {"buckets": [b.name for b in client.list_buckets(max_results=1)]}
    asked = ["storage.objects.list", "storage.objects.create", "storage.objects.delete"]
    out["landing"] = sorted(client.bucket("acme-landing").test_iam_permissions(asked))
    out["readonly"] = sorted(client.bucket("acme-readonly").test_iam_permissions(asked))
    try:
        client.bucket("acme-landing").delete_blob("never-uploaded")
        out["missing_delete"] = "deleted"
    except NotFound:
        out["missing_delete"] = "NotFound"
    session = AuthorizedSession(creds)
    answer = session.post(base + "/v1/projects/acme-data:testIamPermissions",
                          json={"permissions": ["bigquery.tables.create", "bigquery.datasets.create"]})
    answer.raise_for_status()
    out["project"] = sorted(answer.json().get("permissions", []))
    out["token_type"] = "Bearer" if creds.token else "none"
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
