import NIOCore
import NIOPosix
import NIOSSL
import PreflightHTTP
import PreflightNetwork
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens one connection of a `RemoteHTTPSession`: TCP (to the proxy when there is one), the CONNECT
/// tunnel for https through a proxy, TLS, and the HTTP/1.1 handlers, all before `deadline`.
struct RemoteConnector {
    let target: RemoteTarget
    let proxy: RemoteProxy?
    /// The roots the server's chain must reach; nil for http.
    let roots: CertificateStore?
    let deadline: NIODeadline

    func open() async throws(RemoteHTTPError) -> RemoteConnection {
        let dialHost = proxy?.host ?? target.host
        let dialPort = proxy?.port ?? target.port
        let remaining = deadline - .now()
        guard remaining > .zero else { throw .closed(partial: false) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(remaining)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: dialHost, port: dialPort).get()
        } catch {
            let reason = Self.connectReason(error)
            if let proxy { throw .connect("\(proxy): \(reason)", viaProxy: true) }
            throw .connect("could not connect to \(target.authority): \(reason)", viaProxy: false)
        }
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
        defer { timer.cancel() }
        do throws(RemoteHTTPError) {
            if let proxy, target.isTLS {
                let tunnel = channel.eventLoop.makePromise(of: Void.self)
                let authority = target.authority
                channel.eventLoop.execute {
                    let handler = ConnectTunnelHandler(
                        authority: authority, authorization: proxy.authorization, promise: tunnel)
                    do { try channel.pipeline.syncOperations.addHandler(handler) } catch { tunnel.fail(error) }
                }
                do { try await tunnel.futureResult.get() } catch let error as RemoteHTTPError { throw error } catch {
                    throw .connect("\(error)", viaProxy: true)
                }
            }
            return try await addHandlers(to: channel)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// TLS (for https) and the HTTP/1.1 codec; the TLS handshake runs with the first request's write.
    private func addHandlers(to channel: any Channel) async throws(RemoteHTTPError) -> RemoteConnection {
        let serverName = target.host
        var context: NIOSSLContext?
        if roots != nil {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            // The chain and the name are checked by `ChainVerifier` (below): it names the certificate and the
            // reason when they fail, and checks an address against the certificate's IP names.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates([])
            do { context = try NIOSSLContext(configuration: configuration) } catch {
                throw .tls("could not set up TLS: \(error)")
            }
        }
        let sslContext = context
        let roots = self.roots
        let finding = VerificationProblem()
        do {
            return try await channel.eventLoop.submit {
                let sync = channel.pipeline.syncOperations
                if let sslContext, let roots {
                    let handler = try ChainVerifier.clientHandler(
                        context: sslContext, serverName: serverName, roots: roots, checkName: true, problem: finding)
                    try sync.addHandler(handler)
                }
                return RemoteConnection(
                    http: try HTTPConnection.install(on: channel, bodyLimit: RemoteHTTPSession.bodyLimit),
                    finding: finding)
            }.get()
        } catch {
            throw .closed(partial: false)
        }
    }

    /// A connection failure as the command prints it.
    static func describe(_ error: any Error) -> RemoteHTTPError {
        if error is NIOSSLError || error is BoringSSLError { return .tls("\(error)") }
        return .connect("the connection failed: \(connectReason(error))", viaProxy: false)
    }

    /// "connection refused", "no address for the host", "timed out"...
    static func connectReason(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return connectReason(first.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "the host name did not resolve" }
            return "no address for the host"
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return "timed out" }
        return "\(error)"
    }
}

/// One open connection of a session, and what its chain verifier found (read when its handshake fails).
struct RemoteConnection: Sendable {
    let http: HTTPConnection
    let finding: VerificationProblem
}
