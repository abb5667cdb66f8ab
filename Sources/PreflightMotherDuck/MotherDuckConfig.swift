import Foundation
import PreflightCore
import PreflightHTTP

/// What a MotherDuck ping needs, read from a payload of type `motherduck` (Artie's `sharedConfig`:
/// `token`), plus Preflight's extension keys `endpointURL` (the REST API, default
/// https://api.motherduck.com; must be https) and `sslRootCert` (PEM CA to trust instead of the system's).
///
/// The token must be a JWT (MotherDuck access tokens are): anything else is refused (400) without
/// quoting it.
public struct MotherDuckConfig: Sendable, Equatable {
    public var token: String
    public var claims: MotherDuckToken
    public var endpoint: HTTPEndpoint
    public var rootCertificatesPEM: String?

    public static let defaultEndpoint = HTTPEndpoint(isTLS: true, host: "api.motherduck.com", port: 443)

    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        guard let raw = try config.secret("token") else {
            throw InvalidConfig(
                "sharedConfig.token is required for motherduck (a MotherDuck access token from Settings > Access tokens)"
            )
        }
        var token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if token.lowercased().hasPrefix("bearer ") {
            token = String(token.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard token.count <= 16_384, !token.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw InvalidConfig(
                "sharedConfig.token is not a MotherDuck access token: it contains spaces or line breaks")
        }
        guard let claims = MotherDuckToken(token) else {
            throw InvalidConfig(
                "sharedConfig.token is not a MotherDuck access token: MotherDuck tokens are JWTs (three base64url parts separated by dots, with JSON claims)"
            )
        }
        self.token = token
        self.claims = claims
        if let text = try config.string("endpointURL") {
            let endpoint = try HTTPEndpoint.parse(text, key: "endpointURL", defaultTLS: true)
            guard endpoint.isTLS else {
                throw InvalidConfig(
                    "sharedConfig.endpointURL must be an https:// URL: the token is sent with every request")
            }
            self.endpoint = endpoint
        } else {
            endpoint = Self.defaultEndpoint
        }
        if let pem = try config.string("sslRootCert") {
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
            }
            rootCertificatesPEM = pem
        }
    }
}
