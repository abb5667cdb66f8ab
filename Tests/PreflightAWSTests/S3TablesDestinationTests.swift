import Foundation
import PreflightAWS
import PreflightCore
import PreflightTestSupport
import Testing

/// S3 Tables destination readiness against a scripted AWS (S3 Tables GetTableBucket, STS
/// GetCallerIdentity and an IAM policy simulator that evaluates Allow/Deny statements with wildcards),
/// every request's SigV4 signature verified; boto3 reads the STS and IAM answers first.
@Suite(.serialized)
struct S3TablesDestinationTests {
    static let keyID = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "Planted/Secret+Tables00000000000000000"
    static let bucket = "arn:aws:s3tables:us-east-1:123456789012:bucket/lake"
    static let user = "arn:aws:iam::123456789012:user/loader"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/iam_simulator_check.py").path

    /// An identity policy: (effect, action pattern, resource pattern).
    typealias Statement = (allow: Bool, action: String, resource: String)

    static func matches(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == text }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count))
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts.last ?? "")
    }

    static func decide(_ action: String, _ resource: String, _ policy: [Statement]) -> String {
        let applicable = policy.filter { matches($0.action, action) && matches($0.resource, resource) }
        if applicable.contains(where: { !$0.allow }) { return "explicitDeny" }
        return applicable.isEmpty ? "implicitDeny" : "allowed"
    }

    static func peer(policy: [Statement], simulatorAllowed: Bool = true)
        -> @Sendable (ScriptedHTTPServer.Request) ->
        ScriptedHTTPServer.Response
    {
        { request in
            if let problem = SignatureCheck.problem(request, secret: secret) {
                return .init(
                    status: 403, body: "<Error><Code>SignatureDoesNotMatch</Code><Message>\(problem)</Message></Error>")
            }
            let xml = [("Content-Type", "text/xml")]
            switch (SignatureCheck.service(request), request.form["Action"]) {
            case ("s3tables", _):
                return .json(
                    200,
                    #"{"arn":"\#(bucket)","name":"lake","ownerAccountId":"123456789012","createdAt":"2025-01-01T00:00:00Z"}"#
                )
            case ("sts", "GetCallerIdentity"):
                return .init(
                    status: 200, headers: xml,
                    body:
                        #"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>\#(user)</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#
                )
            case ("iam", "SimulatePrincipalPolicy"):
                guard simulatorAllowed else {
                    return .init(
                        status: 403, headers: xml,
                        body:
                            #"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: \#(user) is not authorized to perform: iam:SimulatePrincipalPolicy</Message></Error><RequestId>2</RequestId></ErrorResponse>"#
                    )
                }
                let form = request.form
                let actions = (1...50).compactMap { form["ActionNames.member.\($0)"] }
                let resources = (1...50).compactMap { form["ResourceArns.member.\($0)"] }
                guard form["PolicySourceArn"] == user, !actions.isEmpty, !resources.isEmpty else {
                    return .init(
                        status: 400, headers: xml,
                        body:
                            "<ErrorResponse><Error><Code>InvalidInput</Code><Message>bad input</Message></Error></ErrorResponse>"
                    )
                }
                let members = actions.map { action in
                    let perResource = resources.map { ($0, decide(action, $0, policy)) }
                    let aggregate =
                        perResource.contains { $0.1 == "explicitDeny" }
                        ? "explicitDeny" : perResource.allSatisfy { $0.1 == "allowed" } ? "allowed" : "implicitDeny"
                    let specific = perResource.map {
                        "<member><EvalResourceName>\($0.0)</EvalResourceName><EvalResourceDecision>\($0.1)</EvalResourceDecision></member>"
                    }.joined()
                    return
                        "<member><EvalActionName>\(action)</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>\(aggregate)</EvalDecision><ResourceSpecificResults>\(specific)</ResourceSpecificResults></member>"
                }.joined()
                return .init(
                    status: 200, headers: xml,
                    body:
                        #"<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>\#(members)</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>3</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>"#
                )
            default:
                return .init(status: 400, body: "<Error><Code>InvalidAction</Code></Error>")
            }
        }
    }

    static let writer: [Statement] = [
        (true, "s3tables:*", bucket), (true, "s3tables:*", bucket + "/*"),
    ]

    func ping(_ server: ScriptedHTTPServer) async throws -> PingReport {
        try await AWSTesting.ping(
            AWSTesting.engine(),
            AWSTesting.payload(
                .iceberg,
                [
                    "provider": "s3tables", "bucketARN": Self.bucket, "awsAccessKeyID": Self.keyID,
                    "awsSecretAccessKey": Self.secret, "endpointURL": server.endpoint, "sslRootCert": TestPKI.caPEM,
                ]), secrets: [Self.secret])
    }

    @Test func boto3ReadsThePeer() async throws {
        let server = try await ScriptedHTTPServer.start(
            tls: true, handler: Self.peer(policy: [(true, "s3tables:CreateTable", "*")]))
        defer { Task { await server.stop() } }
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("iam-ca-\(UUID().uuidString).pem")
        try TestPKI.caPEM.write(to: ca, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: ca) }
        let table = S3TablesDestinationReadiness.simulatedTableARN(Self.bucket)
        let run = try await IndependentVerifier.python([
            Self.script, server.endpoint, Self.keyID, Self.secret, ca.path, Self.user, Self.bucket, table,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let seen = try #require(JSONValue.parse(Array(run.stdout.utf8)), "\(run.stdout) \(run.stderr)")
        #expect(seen["caller"]?.stringValue == Self.user)
        #expect(seen["decisions"]?["s3tables:CreateTable"]?[Self.bucket]?.stringValue == "allowed")
        #expect(seen["decisions"]?["s3tables:PutTableData"]?[table]?.stringValue == "implicitDeny")
        #expect(seen["aggregate"]?["s3tables:CreateTable"]?.stringValue == "allowed")
    }

    @Test func aWriterPasses() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.peer(policy: Self.writer))
        defer { Task { await server.stop() } }
        let report = try await ping(server)
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("write_permissions")?.status == .passed)
        #expect(report.step("caller_identity")?.detail == "\(Self.keyID) is \(Self.user)")
        let simulated = try #require(server.requests.last)
        #expect(simulated.form["ResourceArns.member.2"] == Self.bucket + "/table/preflight-write-check")
    }

    @Test func aReaderFailsWithTheInlinePolicy() async throws {
        let reader: [Statement] = [
            (true, "s3tables:Get*", Self.bucket), (true, "s3tables:Get*", Self.bucket + "/table/*"),
            (false, "s3tables:PutTableData", "*"),
        ]
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.peer(policy: reader))
        defer { Task { await server.stop() } }
        let report = try await ping(server)
        #expect(report.category == .permission, "\(report.summary)")
        let check = try #require(report.check("write_permissions"))
        #expect(check.observed.contains("s3tables:CreateTable implicitDeny"))
        #expect(check.observed.contains("s3tables:PutTableData explicitDeny"))
        #expect(check.fix?.hasPrefix("remove the explicit Deny of s3tables:PutTableData") == true)
        #expect(
            check.fix?.contains("aws iam put-user-policy --user-name loader --policy-name artie-s3tables-write") == true
        )
        #expect(check.fix?.contains(#""Resource":"\#(Self.bucket)/table/*""#) == true)
    }

    @Test func noSimulatorRightIsAWarning() async throws {
        let server = try await ScriptedHTTPServer.start(
            tls: true, handler: Self.peer(policy: Self.writer, simulatorAllowed: false))
        defer { Task { await server.stop() } }
        let report = try await ping(server)
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("write_permissions")?.status == .warning)
        #expect(
            report.check("write_permissions")?.observed.contains("may not call iam:SimulatePrincipalPolicy") == true)
    }
}
