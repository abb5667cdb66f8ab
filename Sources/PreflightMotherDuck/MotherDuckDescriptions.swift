import PreflightCore
import PreflightNetwork

extension MotherDuckProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .motherduck,
                keys: [
                    ConnectorKey("token", .secret, required: true, help: "a MotherDuck access token"),
                    ConnectorKey(
                        "endpointURL", .url, extension: true,
                        help: "the API's base URL (default https://api.motherduck.com)"),
                    .sslRootCert,
                ],
                summary: "reads the token's owner and expiry locally, then makes one read-only API call")
        ]
    }
}
