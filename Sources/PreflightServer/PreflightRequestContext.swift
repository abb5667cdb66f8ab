public import Hummingbird
public import NIOCore

/// The service's request context: Hummingbird's core storage and the TCP peer of the connection (the
/// agent's address in `GET /data-planes` when no trusted `X-Forwarded-For` says otherwise).
public struct PreflightRequestContext: RequestContext, RemoteAddressRequestContext, AccessNoting {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer, as the socket sees it (a load balancer's address behind one).
    public let remoteAddress: SocketAddress?
    /// What the route adds to the request's access-log line.
    let accessNote = AccessNote()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
