"""Checks the scripted STS + IAM peer of the S3 Tables readiness tests with boto3 before Preflight is
tested against it: boto3 signs GetCallerIdentity and SimulatePrincipalPolicy (the peer verifies the
signatures) and parses both answers, including the per-resource decisions.

usage: iam_simulator_check.py ENDPOINT KEY_ID SECRET CA_FILE PRINCIPAL RESOURCE [RESOURCE...]
Prints one JSON object; exits non-zero when boto3 refuses an answer.
"""
import json
import sys


def main() -> int:
    endpoint, key_id, secret, ca_file, principal = sys.argv[1:6]
    resources = sys.argv[6:]
    import boto3

    session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name="us-east-1")
    sts = session.client("sts", endpoint_url=endpoint, verify=ca_file)
    iam = session.client("iam", endpoint_url=endpoint, verify=ca_file)
    out = {"caller": sts.get_caller_identity()["Arn"]}
    answer = iam.simulate_principal_policy(
        PolicySourceArn=principal,
        ActionNames=["s3tables:CreateTable", "s3tables:PutTableData"],
        ResourceArns=resources)
    out["decisions"] = {
        r["EvalActionName"]: {s["EvalResourceName"]: s["EvalResourceDecision"] for s in r.get("ResourceSpecificResults", [])}
        for r in answer["EvaluationResults"]
    }
    out["aggregate"] = {r["EvalActionName"]: r["EvalDecision"] for r in answer["EvaluationResults"]}
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
