import PreflightAWS
import PreflightCore
import Testing

/// The pure parts of s3/delta destination readiness: SimulatePrincipalPolicy's answer (today's one
/// aggregate result per action with ResourceSpecificResults, and the older one result per action and
/// resource), whose policies are simulated, and the `write_permissions` check with its IAM fix.
struct S3DestinationReadinessTests {
    static let bucketARN = "arn:aws:s3:::lake"
    static let objectARN = "arn:aws:s3:::lake/raw/preflight_write_check"

    /// Today's shape: one EvaluationResult per action, the per-resource decisions nested.
    static let aggregated = """
        <SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <SimulatePrincipalPolicyResult>
            <IsTruncated>false</IsTruncated>
            <EvaluationResults>
              <member>
                <EvalActionName>s3:ListBucket</EvalActionName>
                <EvalDecision>implicitDeny</EvalDecision>
                <MatchedStatements><member><SourcePolicyId>s3</SourcePolicyId></member></MatchedStatements>
                <ResourceSpecificResults>
                  <member><EvalResourceName>\(bucketARN)</EvalResourceName><EvalResourceDecision>allowed</EvalResourceDecision></member>
                  <member><EvalResourceName>\(objectARN)</EvalResourceName><EvalResourceDecision>implicitDeny</EvalResourceDecision></member>
                </ResourceSpecificResults>
              </member>
              <member>
                <EvalActionName>s3:PutObject</EvalActionName>
                <EvalDecision>explicitDeny</EvalDecision>
                <ResourceSpecificResults>
                  <member><EvalResourceName>\(bucketARN)</EvalResourceName><EvalResourceDecision>implicitDeny</EvalResourceDecision></member>
                  <member><EvalResourceName>\(objectARN)</EvalResourceName><EvalResourceDecision>explicitDeny</EvalResourceDecision></member>
                </ResourceSpecificResults>
              </member>
              <member>
                <EvalActionName>s3:DeleteObject</EvalActionName>
                <EvalDecision>implicitDeny</EvalDecision>
                <ResourceSpecificResults>
                  <member><EvalResourceName>\(objectARN)</EvalResourceName><EvalResourceDecision>allowed</EvalResourceDecision></member>
                </ResourceSpecificResults>
              </member>
            </EvaluationResults>
          </SimulatePrincipalPolicyResult>
        </SimulatePrincipalPolicyResponse>
        """

    @Test func todaysAggregatedAnswerIsReadPerResource() throws {
        let results = try #require(IAMSimulation.parse(Self.aggregated))
        #expect(results.map(\.action) == ["s3:ListBucket", "s3:PutObject", "s3:DeleteObject"])
        #expect(results[0].decision == "implicitDeny", "the nested decisions are not the member's own")
        #expect(IAMSimulation.decision(for: "s3:ListBucket", on: Self.bucketARN, in: results) == "allowed")
        #expect(IAMSimulation.decision(for: "s3:PutObject", on: Self.objectARN, in: results) == "explicitDeny")
        #expect(IAMSimulation.decision(for: "s3:DeleteObject", on: Self.objectARN, in: results) == "allowed")
        #expect(IAMSimulation.decision(for: "s3:GetObject", on: Self.objectARN, in: results) == nil)
    }

    @Test func theOlderAnswerHasOneResultPerActionAndResource() throws {
        let text = """
            <SimulatePrincipalPolicyResponse><SimulatePrincipalPolicyResult><EvaluationResults>
            <member><EvalActionName>s3:PutObject</EvalActionName><EvalResourceName>\(Self.bucketARN)</EvalResourceName><EvalDecision>implicitDeny</EvalDecision></member>
            <member><EvalActionName>s3:PutObject</EvalActionName><EvalResourceName>\(Self.objectARN)</EvalResourceName><EvalDecision>allowed</EvalDecision></member>
            </EvaluationResults></SimulatePrincipalPolicyResult></SimulatePrincipalPolicyResponse>
            """
        let results = try #require(IAMSimulation.parse(text))
        #expect(IAMSimulation.decision(for: "s3:PutObject", on: Self.objectARN, in: results) == "allowed")
        #expect(IAMSimulation.decision(for: "s3:PutObject", on: Self.bucketARN, in: results) == "implicitDeny")
        #expect(IAMSimulation.parse("<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>") == nil)
    }

    @Test func theRequestNamesThePrincipalActionsAndResources() {
        let request = IAMSimulation.request(
            principal: "arn:aws:iam::123456789012:user/artie", actions: ["s3:PutObject", "s3:DeleteObject"],
            resources: [Self.objectARN])
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body.contains("Action=SimulatePrincipalPolicy"))
        #expect(body.contains("Version=2010-05-08"))
        #expect(body.contains("PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fartie"))
        #expect(body.contains("ActionNames.member.2=s3%3ADeleteObject"))
        #expect(body.contains("ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Alake%2Fraw%2Fpreflight_write_check"))
    }

    @Test func whosePoliciesAreSimulated() {
        #expect(
            IAMSimulation.principalARN(forCaller: "arn:aws:iam::123456789012:user/path/artie")
                == "arn:aws:iam::123456789012:user/path/artie")
        #expect(
            IAMSimulation.principalARN(forCaller: "arn:aws-cn:sts::123456789012:assumed-role/writer/preflight-1")
                == "arn:aws-cn:iam::123456789012:role/writer")
        #expect(IAMSimulation.principalARN(forCaller: "arn:aws:iam::123456789012:root") == nil)
        #expect(IAMSimulation.principalARN(forCaller: "arn:aws:sts::123456789012:federated-user/bob") == nil)
        #expect(IAMSimulation.partition(of: "arn:aws-us-gov:iam::1:user/a") == "aws-us-gov")
        #expect(
            IAMSimulation.callerARN(
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/a</Arn><UserId>X</UserId><Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
            ) == "arn:aws:iam::1:user/a")
    }

    @Test func deniedActionsFailWithTheExactPolicy() throws {
        let results = try #require(IAMSimulation.parse(Self.aggregated))
        let checks = S3DestinationReadiness.checks(
            .simulated(principal: "arn:aws:iam::123456789012:user/artie", results: results), bucket: "lake",
            prefix: "raw/")
        let check = try #require(checks.first)
        #expect(checks.count == 1)
        #expect(check.status == .failed)
        #expect(
            check.observed
                == "s3:ListBucket allowed, s3:PutObject explicitDeny, s3:DeleteObject allowed for arn:aws:iam::123456789012:user/artie"
        )
        #expect(
            check.required
                == "s3:ListBucket on arn:aws:s3:::lake; s3:PutObject, s3:DeleteObject on arn:aws:s3:::lake/raw/*")
        let fix = try #require(check.fix)
        #expect(
            fix.hasPrefix(
                "remove the explicit Deny of s3:PutObject from arn:aws:iam::123456789012:user/artie's policies"))
        #expect(
            fix.hasSuffix(
                #"aws iam put-user-policy --user-name artie --policy-name artie-s3-write --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":"arn:aws:s3:::lake/raw/*"}]}'"#
            ), "\(fix)")
        let failure = try #require(
            ReadinessVerdict.destinationFailure(for: checks, server: "Amazon S3", target: "s3://lake/raw/"))
        #expect(failure.category == .permission)
    }

    @Test func allAllowedPassesAndARoleGetsARolePolicy() throws {
        let allowed = ["s3:ListBucket", "s3:PutObject", "s3:DeleteObject"].map {
            IAMSimulation.Result(action: $0, resource: nil, decision: "allowed")
        }
        let role = "arn:aws:iam::123456789012:role/artie-writer"
        let passed = S3DestinationReadiness.checks(
            .simulated(principal: role, results: allowed), bucket: "lake", prefix: "")
        #expect(passed.first?.status == .passed)
        #expect(passed.first?.fix == nil)
        let missing = S3DestinationReadiness.checks(
            .simulated(principal: role, results: Array(allowed.prefix(1))), bucket: "lake", prefix: "")
        #expect(missing.first?.status == .failed)
        #expect(missing.first?.observed.hasPrefix("s3:ListBucket allowed, s3:PutObject unanswered") == true)
        #expect(missing.first?.fix?.contains("aws iam put-role-policy --role-name artie-writer") == true)
        #expect(missing.first?.fix?.contains(#""Resource":"arn:aws:s3:::lake/*""#) == true)
    }
}
