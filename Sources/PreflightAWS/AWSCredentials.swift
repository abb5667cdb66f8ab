/// The credentials one AWS request is signed with: a long-term access key, or the session credentials
/// STS hands out (with their token). `description` never shows the secret or the token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Set for temporary credentials (`ASIA...` keys); sent as `x-amz-security-token`.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The key ID and what kind of credentials these are; no secret.
    public var description: String {
        sessionToken == nil ? "access key \(accessKeyID)" : "session credentials \(accessKeyID)"
    }
}
