import PreflightCore
import PreflightHTTP

/// The signed JWT a service account exchanges for an access token (Google's "two-legged OAuth"):
/// header `{"alg":"RS256","typ":"JWT","kid":private_key_id}`, claims `iss` (the account's email),
/// `scope`, `aud` (the token URL), `iat` and `exp` (one hour later, the most Google accepts).
enum GoogleAssertion {
    /// Google rejects assertions that live longer than this.
    static let lifetime = 3600

    /// The least a ping needs: read-only storage; for BigQuery the `bigquery` scope, because the
    /// dry-run query that proves the right to create jobs (`jobs.query`) does not accept the read-only
    /// one. The ping's calls stay read-only either way: IAM, not the scope, decides what the account may do.
    /// BigQuery also asks `iam.test`, the narrowest scope of Cloud Resource Manager's
    /// projects.testIamPermissions (destination readiness). A GCS write test (`writeTest: true`) needs `devstorage.read_write` to upload and delete its object.
    static func scope(for type: ConnectorType, writeTest: Bool = false) -> String {
        type == .gcs
            ? "https://www.googleapis.com/auth/devstorage.\(writeTest ? "read_write" : "read_only")"
            : "https://www.googleapis.com/auth/bigquery https://www.googleapis.com/auth/iam.test"
    }

    /// The claims, pure.
    static func claims(email: String, scope: String, audience: String, issuedAt: Int) -> [String: JSONValue] {
        [
            "iss": .string(email),
            "scope": .string(scope),
            "aud": .string(audience),
            "iat": .number(Double(issuedAt)),
            "exp": .number(Double(issuedAt + lifetime)),
        ]
    }

    /// The header fields besides `alg` and `typ`.
    static func header(keyID: String) -> [String: JSONValue] {
        ["kid": .string(keyID)]
    }

    /// Signs the assertion for `account`.
    static func make(for account: GoogleServiceAccount, scope: String, audience: String, issuedAt: Int)
        throws(ProbeFailure) -> String
    {
        let claims = claims(email: account.clientEmail, scope: scope, audience: audience, issuedAt: issuedAt)
        do {
            return try JWT.signRS256(
                claims: claims, key: account.privateKey, header: header(keyID: account.privateKeyID))
        } catch {
            throw ProbeFailure(
                .invalidConfig, "signing the token request with credentialsData.private_key failed",
                hint:
                    "the key could not sign (\(type(of: error))); create a new key for the service account and paste the new key file"
            )
        }
    }

    /// The form body of the exchange (RFC 7523).
    static func formFields(assertion: String) -> [(String, String)] {
        [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]
    }
}
