#!/usr/bin/env bash
# moto (a local AWS: IAM, STS, S3, DynamoDB + Streams, S3 Tables) for the AWS probe tests, on a random free loopback port.
#
#   bash scripts/servers/moto.sh start DIR ENVFILE   # install if missing, start, set up, append exports to ENVFILE
#   bash scripts/servers/moto.sh stop DIR            # idempotent
#   bash scripts/servers/moto.sh deps                # only install moto[server] (and boto3) if missing
#
# moto checks SigV4 signatures and IAM policies only once INITIAL_NO_AUTH_ACTION_COUNT requests have been served;
# the setup below makes exactly SETUP_REQUESTS requests (counted by a botocore hook and checked against the constant),
# then proves that checking is on: an unknown key must be refused and the good key accepted.
#
# What it makes (account 123456789012, region us-east-1):
#   * user preflight-good: may list buckets (moto names HeadBucket's action s3:HeadBucket; AWS checks s3:ListBucket), read bucket metadata, describe streams, get table buckets, assume the role;
#   * user preflight-denied: everything allowed except an explicit Deny of s3:ListAllMyBuckets, s3:ListBucket, dynamodb:*;
#   * role preflight-reader, assumable by preflight-good with ExternalId preflight-external-id, same rights as the good user;
#   * buckets preflight-bucket (us-east-1) and preflight-eu-bucket (eu-west-1);
#   * tables preflight-cdc (stream NEW_AND_OLD_IMAGES) and preflight-keys (stream KEYS_ONLY);
#   * an S3 Tables table bucket preflight-tables;
#   * users preflight-lister (may list the bucket and head it, not s3:PutObject) and preflight-writer (also
#     s3:PutObject and s3:DeleteObject); neither may call iam:SimulatePrincipalPolicy (moto does not implement it).
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && { [ -n "$dir" ] || [ "$cmd" = deps ]; } || { echo "usage: $0 start DIR ENVFILE | stop DIR | deps" >&2; exit 2; }
moto_dir="$dir/moto"
SETUP_REQUESTS=19

stop() {
    local pidfile="$moto_dir/moto.pid"
    if [ -f "$pidfile" ]; then
        local pid
        pid="$(cat "$pidfile" 2>/dev/null || true)"
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

deps() {
    # Run as a module of the same python3 that pip installs into: no PATH or pyenv shim involved.
    if ! python3 -c 'import boto3, moto.server' 2>/dev/null; then
        python3 -m pip install -q 'moto[server]' >/dev/null
    fi
}

start() {
    local envfile="${3:-}"
    [ -n "$envfile" ] || { echo "start needs ENVFILE" >&2; exit 2; }
    deps
    stop
    rm -rf "$moto_dir"
    mkdir -p "$moto_dir"
    local port
    port="$(free_port)"
    INITIAL_NO_AUTH_ACTION_COUNT=$SETUP_REQUESTS nohup python3 -m moto.server -H 127.0.0.1 -p "$port" \
        > "$moto_dir/moto.log" 2>&1 < /dev/null &
    echo $! > "$moto_dir/moto.pid"
    local up=0
    for _ in $(seq 1 100); do
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5).close()' "$port" 2>/dev/null; then
            up=1; break
        fi
        sleep 0.1
    done
    [ "$up" = 1 ] || { echo "[moto] did not start; see $moto_dir/moto.log" >&2; cat "$moto_dir/moto.log" >&2; exit 1; }
    python3 - "http://127.0.0.1:$port" "$SETUP_REQUESTS" "$moto_dir/setup.env" <<'PY'
import json, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, expected, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sent = []
config = Config(retries={"max_attempts": 1, "mode": "standard"})

def client(service, region="us-east-1", key="AKIASETUPSETUPSETUP0", secret="setup-secret", token=None):
    c = boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                     aws_secret_access_key=secret, aws_session_token=token, config=config)
    c.meta.events.register("before-send", lambda request, **_: sent.append(request.url))
    return c

account = "123456789012"
external_id = "preflight-external-id"
iam = client("iam")
good_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "s3:ListAllMyBuckets", "s3:ListBucket", "s3:HeadBucket", "s3:GetBucketLocation", "dynamodb:DescribeStream",
    "dynamodb:ListStreams", "s3tables:GetTableBucket", "s3tables:ListTableBuckets", "sts:AssumeRole",
    "sts:GetCallerIdentity"], "Resource": "*"}]}
denied_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": ["s3:ListAllMyBuckets", "s3:ListBucket", "dynamodb:*", "s3tables:*"], "Resource": "*"}]}

# 1-3: the good user, its rights and key.
good_user = iam.create_user(UserName="preflight-good")["User"]
iam.put_user_policy(UserName="preflight-good", PolicyName="read", PolicyDocument=json.dumps(good_policy))
good_key = iam.create_access_key(UserName="preflight-good")["AccessKey"]
# 4-6: the denied user.
iam.create_user(UserName="preflight-denied")
iam.put_user_policy(UserName="preflight-denied", PolicyName="deny", PolicyDocument=json.dumps(denied_policy))
denied_key = iam.create_access_key(UserName="preflight-denied")["AccessKey"]
# 7-8: a role the good user may assume with the external ID.
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": good_user["Arn"]},
    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]}
role = iam.create_role(RoleName="preflight-reader", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
iam.put_role_policy(RoleName="preflight-reader", PolicyName="read", PolicyDocument=json.dumps(good_policy))
# 9-10: buckets in two regions.
client("s3").create_bucket(Bucket="preflight-bucket")
client("s3", "eu-west-1").create_bucket(Bucket="preflight-eu-bucket",
    CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
# 11-12: tables with streams of both view types.
ddb = client("dynamodb")
def table(name, view):
    return ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view})["TableDescription"]["LatestStreamArn"]
cdc_stream = table("preflight-cdc", "NEW_AND_OLD_IMAGES")
keys_stream = table("preflight-keys", "KEYS_ONLY")
# 13: an S3 Tables table bucket. (moto 5.2.1 refuses the signature of every signed GetTableBucket, boto3's too: the
# ARN in its path is percent-encoded and moto signs the decoded path. So the tests use a scripted peer for s3tables.)
table_bucket = client("s3tables").create_table_bucket(name="preflight-tables")["arn"]

# 14-19: a user who may list but not write, and one who may write; both ask STS who they are.
lister_actions = ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:HeadBucket", "s3:GetBucketLocation",
    "sts:GetCallerIdentity"]
destination_keys = {}
for name, actions in (("lister", lister_actions), ("writer", lister_actions + ["s3:PutObject", "s3:DeleteObject"])):
    iam.create_user(UserName=f"preflight-{name}")
    iam.put_user_policy(UserName=f"preflight-{name}", PolicyName="s3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    destination_keys[name] = iam.create_access_key(UserName=f"preflight-{name}")["AccessKey"]

if len(sent) != expected:
    sys.exit(f"[moto] setup made {len(sent)} requests, SETUP_REQUESTS is {expected}: fix the constant in moto.sh")

# Checking must now be on: an unknown key is refused, the good key accepted (neither counts any more).
try:
    client("s3", key="AKIAUNKNOWNUNKNOWN00", secret="nope").list_buckets()
    sys.exit("[moto] an unknown key was accepted after the setup: INITIAL_NO_AUTH_ACTION_COUNT is wrong")
except ClientError as error:
    code = error.response["Error"]["Code"]
    if code not in ("InvalidAccessKeyId", "InvalidClientTokenId"):
        sys.exit(f"[moto] an unknown key failed with {code}, not InvalidAccessKeyId")
names = [b["Name"] for b in client("s3", key=good_key["AccessKeyId"], secret=good_key["SecretAccessKey"]).list_buckets()["Buckets"]]
assert "preflight-bucket" in names, names

values = {
    "ENDPOINT": endpoint,
    "REGION": "us-east-1",
    "ACCOUNT": account,
    "GOOD_KEY_ID": good_key["AccessKeyId"],
    "GOOD_SECRET": good_key["SecretAccessKey"],
    "DENIED_KEY_ID": denied_key["AccessKeyId"],
    "DENIED_SECRET": denied_key["SecretAccessKey"],
    "ROLE_ARN": role["Arn"],
    "EXTERNAL_ID": external_id,
    "BUCKET": "preflight-bucket",
    "EU_BUCKET": "preflight-eu-bucket",
    "STREAM_ARN": cdc_stream,
    "KEYS_ONLY_STREAM_ARN": keys_stream,
    "TABLE_BUCKET_ARN": table_bucket,
    "LISTER_KEY_ID": destination_keys["lister"]["AccessKeyId"],
    "LISTER_SECRET": destination_keys["lister"]["SecretAccessKey"],
    "WRITER_KEY_ID": destination_keys["writer"]["AccessKeyId"],
    "WRITER_SECRET": destination_keys["writer"]["SecretAccessKey"],
}
with open(out, "w") as f:
    for name, value in values.items():
        f.write(f"export PREFLIGHT_TEST_AWS_{name}='{value}'\n")
PY
    cat "$moto_dir/setup.env" >> "$envfile"
    echo "[moto] on 127.0.0.1:$port (IAM checking on after $SETUP_REQUESTS setup requests)" >&2
}

case "$cmd" in
    start) start "$@" ;;
    stop) stop ;;
    deps) deps ;;
    *) echo "usage: $0 start DIR ENVFILE | stop DIR | deps" >&2; exit 2 ;;
esac
