import Foundation
import PreflightCore
import PreflightKeyspaces
import PreflightTestSupport
import Testing

/// `awsRoleARN`: the session STS hands out (here from a scripted STS at `endpointURL`) signs the SigV4
/// login, with its session token, as the s3/dynamodb probes use it.
@Suite(.serialized)
struct KeyspacesRoleTests {
    static let sessionKey = "ASIAKEYSPACESROLE001"
    static let sessionSecret = "Role/Session+Secret=0123456789abcdefghij"
    static let sessionToken = "FwoGZXIvYXdzEPlanted-Session-Token-0123456789"
    static let roleARN = "arn:aws:iam::111122223333:role/artie-keyspaces"

    static func assumeRole(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        guard request.text.contains("Action=AssumeRole"), request.text.contains("ExternalId=ext-42") else {
            return .init(
                status: 403, headers: [("Content-Type", "text/xml")],
                body:
                    "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized</Message></Error></ErrorResponse>"
            )
        }
        return .init(
            status: 200, headers: [("Content-Type", "text/xml")],
            body: """
                <AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>\(sessionKey)</AccessKeyId>\
                <SecretAccessKey>\(sessionSecret)</SecretAccessKey><SessionToken>\(sessionToken)</SessionToken>\
                <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
                <Arn>arn:aws:sts::111122223333:assumed-role/artie-keyspaces/preflight</Arn></AssumedRoleUser>\
                </AssumeRoleResult></AssumeRoleResponse>
                """)
    }

    @Test func assumedRoleSignsTheLoginWithItsSessionToken() async throws {
        try await PeerVerdict.require()
        let sts = try await ScriptedHTTPServer.start(tls: true) { Self.assumeRole($0) }
        defer { Task { await sts.stop() } }
        var options = KeyspacesTesting.options(keyspaces: ["app": KeyspacesPeerTests.ready])
        options.accessKeys = [Self.sessionKey: Self.sessionSecret]
        options.sessionTokens = [Self.sessionKey: Self.sessionToken]
        let peer = try await ScriptedKeyspacesPeer(options)
        defer { Task { await peer.shutdown() } }
        let payload = KeyspacesTesting.payload(
            port: peer.port, keyspace: "app",
            extra: ["awsRoleARN": Self.roleARN, "awsExternalID": "ext-42", "endpointURL": sts.endpoint])
        let report = try await ProbeTestingBridge.ping(payload, secrets: [Self.sessionSecret, Self.sessionToken])
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("sts_assume_role")?.status == .passed, "\(report.summary)")
        #expect(report.steps.first?.name == "sts_dns", "\(report.steps.map(\.name))")
        #expect(peer.events.contains("AUTH sigv4 ok \(Self.sessionKey)"), "\(peer.events)")
        #expect(report.step("auth")?.detail?.contains(Self.roleARN) == true, "\(report.summary)")
    }

    @Test func refusedRoleIsPermission() async throws {
        let sts = try await ScriptedHTTPServer.start(tls: true) { Self.assumeRole($0) }
        defer { Task { await sts.stop() } }
        let payload = KeyspacesTesting.payload(
            port: 9, extra: ["awsRoleARN": Self.roleARN, "awsExternalID": "wrong-id", "endpointURL": sts.endpoint])
        let report = try await ProbeTestingBridge.ping(payload)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.step("dns") == nil, "the CQL endpoint is not dialled after STS refused")
    }
}
