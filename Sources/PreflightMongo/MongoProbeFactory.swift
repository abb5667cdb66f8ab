import PreflightCore
import PreflightNetwork

/// Builds probes for the MongoDB wire family: `mongodb` and `documentdb` (TLS on by default).
public struct MongoProbeFactory: ProbeFactory {
    /// The DNS client for `mongodb+srv://` SRV and TXT lookups.
    public let dns: DNSClient

    /// A factory whose SRV lookups go to the nameservers of `/etc/resolv.conf`.
    public init() {
        self.dns = DNSClient()
    }

    /// A factory whose SRV lookups go to `dns` (tests use a local fake nameserver).
    public init(dns: DNSClient) {
        self.dns = dns
    }

    public var types: Set<ConnectorType> { [.mongodb, .documentdb] }

    /// Validates `sharedConfig` (the connection string above all); a malformed one is `InvalidConfig` (400).
    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        MongoProbe(config: try MongoConfig(payload: payload), dns: dns)
    }
}
