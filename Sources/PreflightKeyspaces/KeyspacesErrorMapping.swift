import PreflightCore

/// Turns CQL ERROR frames into categorised failures whose message says what failed and how to fix it. Pure.
public enum KeyspacesErrorMapping {
    /// What a ping knows when it maps an error.
    public struct Situation: Sendable {
        /// `host:port`.
        public var server: String
        /// "access key AKIA... (SigV4)" or "service-specific user alice-at-111122223333".
        public var identity: String
        /// True for the SigV4 login, false for service-specific credentials.
        public var sigV4: Bool
        public var region: String?
        public var keyspace: String?

        public init(server: String, identity: String, sigV4: Bool, region: String?, keyspace: String?) {
            self.server = server
            self.identity = identity
            self.sigV4 = sigV4
            self.region = region
            self.keyspace = keyspace
        }
    }

    /// The failure for `error`, answered to `request` (a few words: "the login", "SELECT ... FROM system.local").
    public static func failure(for error: CQLServerError, request: String, in situation: Situation) -> ProbeFailure {
        let server = situation.server
        let quoted = "\(error.name) \(error.hexCode): \(PeerText.quote(error.message))"
        let lowered = error.message.lowercased()
        switch error.code {
        case 0x0100:
            let hint =
                situation.sigV4
                ? "check awsSecretAccessKey and that access key is active; the login is signed for region \(situation.region ?? "?"), which must be the endpoint's region (awsRegion); the key's IAM policy must allow cassandra:Select"
                : "check the service-specific credentials (IAM > Users > Security credentials > Credentials for Amazon Keyspaces): the user name looks like NAME-at-ACCOUNT and the credential must be Active"
            return ProbeFailure(.auth, "\(server) rejected the login of \(situation.identity) (\(quoted))", hint: hint)
        case 0x1000, 0x1001, 0x1002, 0x1100, 0x1200, 0x1300:
            let throttled = lowered.contains("throttl") || lowered.contains("rate exceeded") || error.code == 0x1001
            return ProbeFailure(
                .serverUnavailable,
                "\(server) could not serve \(request) right now (\(quoted))",
                hint: throttled
                    ? "Amazon Keyspaces throttled the request: try again; if it persists, raise the table's provisioned capacity or the account's quotas (Service Quotas > Amazon Keyspaces)"
                    : "try again in a moment", transient: true)
        case 0x0000:
            return ProbeFailure(
                .serverUnavailable, "\(server) failed internally while answering \(request) (\(quoted))",
                hint: "try again; if it persists, check the AWS Health Dashboard for Amazon Keyspaces", transient: true)
        case 0x2100:
            let keyspace = situation.keyspace ?? "KEYSPACE"
            return ProbeFailure(
                .permission, "\(situation.identity) logged in to \(server) but may not run \(request) (\(quoted))",
                hint:
                    "allow cassandra:Select in the identity's IAM policy on arn:aws:cassandra:\(situation.region ?? "REGION"):ACCOUNT:/keyspace/\(keyspace)/ and on the system keyspaces (arn:aws:cassandra:\(situation.region ?? "REGION"):ACCOUNT:/keyspace/system*)"
            )
        case 0x2200
        where lowered.contains("keyspace") && (lowered.contains("does not exist") || lowered.contains("not found")):
            return ProbeFailure(
                .databaseNotFound, "\(server) has no keyspace \(situation.keyspace ?? "?") (\(quoted))",
                hint: "check defaultDatabase (keyspace names are case-sensitive), or create it: CREATE KEYSPACE ...")
        case 0x000A:
            return ProbeFailure(
                .protocolMismatch, "\(server) refused \(request) as a protocol error (\(quoted))",
                hint:
                    "Amazon Keyspaces speaks CQL native protocol v4 on port 9142; check the host and port, and that no proxy alters the stream"
            )
        default:
            return ProbeFailure(
                .protocolMismatch, "\(server) answered \(request) with an unexpected error (\(quoted))",
                hint: "check that \(server) is Amazon Keyspaces (or a Cassandra-compatible server)")
        }
    }
}
