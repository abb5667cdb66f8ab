import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import PreflightCore
import PreflightNetwork
import Synchronization

/// Where one HTTP exchange goes, and how its TLS is checked.
public struct HTTPTarget: Sendable, Equatable {
    public var endpoint: HTTPEndpoint
    /// PEM CA certificates to trust instead of the system's (private CAs, tests).
    public var rootCertificatesPEM: String?
    /// false: encrypt but do not check the certificate (libpq's `require`).
    public var verifyCertificate: Bool
    /// Step-name prefix for a second host in one ping: "token" records token_dns, token_connect, token_tls.
    public var label: String?

    public init(
        _ endpoint: HTTPEndpoint, rootCertificatesPEM: String? = nil, verifyCertificate: Bool = true,
        label: String? = nil
    ) {
        self.endpoint = endpoint
        self.rootCertificatesPEM = rootCertificatesPEM
        self.verifyCertificate = verifyCertificate
        self.label = label
    }

    /// The same target with another label.
    public func labelled(_ label: String?) -> HTTPTarget {
        var copy = self
        copy.label = label
        return copy
    }
}

/// HTTP/1.1 over channels the ping dials itself, so that the egress policy (on the address actually
/// dialled), the ping's deadline, its SSH tunnel and its inbound byte limit all apply. One keep-alive
/// connection per endpoint; requests on it run one at a time. Everything is closed with the ping.
public final class HTTPClient: Sendable {
    /// The largest response body read; a bigger one fails the exchange.
    public static let bodyLimit = 512 * 1024

    private let context: ProbeContext
    private let userAgent: String
    private let connections = Mutex<[HTTPEndpoint: HTTPConnection]>([:])
    private let opened = Mutex<Set<HTTPEndpoint>>([])

    public init(context: ProbeContext, userAgent: String = "Preflight/1.0 (connection test)") {
        self.context = context
        self.userAgent = userAgent
    }

    /// Opens the connection to `target` unless one is open, recording `dns`, `connect` and `tls`
    /// (prefixed with the target's label) as steps.
    public func connect(_ target: HTTPTarget) async throws(ProbeFailure) {
        if let open = connections.withLock({ $0[target.endpoint] }), open.channel.isActive { return }
        let connection = try await open(target)
        connections.withLock { $0[target.endpoint] = connection }
    }

    /// Sends `request` and records it as the step `step` (its detail is the status line). Non-2xx
    /// answers are returned, not thrown.
    public func send(
        _ request: HTTPRequest, to target: HTTPTarget, step: StepName, activity: String, timeoutHint: String? = nil
    ) async throws(ProbeFailure) -> HTTPResponse {
        try await connect(target)
        return try await context.step(
            step, activity,
            timeoutHint: timeoutHint
                ?? "\(target.endpoint.hostHeader) accepted the connection but did not answer in time"
        ) { outcome in
            let response = try await exchange(request, with: target)
            outcome.detail = response.statusLine
            return response
        }
    }

    /// One request and its response, without recording a step. Opens the connection first if needed;
    /// retries once on a new connection when a kept-alive one turns out to have been closed.
    public func exchange(_ request: HTTPRequest, with target: HTTPTarget) async throws(ProbeFailure) -> HTTPResponse {
        try request.validatedForWire(basePath: target.endpoint.basePath)
        if let open = connections.withLock({ $0[target.endpoint] }), open.channel.isActive {
            do {
                return try await roundTrip(request, on: open, endpoint: target.endpoint)
            } catch HTTPExchangeError.closed(partial: false) {
                // The server closed the kept-alive connection before reading the request: once more, on a new one.
                context.logger.debug(
                    "kept-alive connection was closed; retrying on a new one",
                    metadata: ["host": "\(target.endpoint.host)"])
            } catch {
                throw Self.failure(error, endpoint: target.endpoint)
            }
        }
        let connection = try await open(target)
        connections.withLock { $0[target.endpoint] = connection }
        do {
            return try await roundTrip(request, on: connection, endpoint: target.endpoint)
        } catch {
            throw Self.failure(error, endpoint: target.endpoint)
        }
    }

    /// One request on `connection`; a `Connection: close` answer retires the connection.
    private func roundTrip(_ request: HTTPRequest, on connection: HTTPConnection, endpoint: HTTPEndpoint)
        async throws(HTTPExchangeError) -> HTTPResponse
    {
        let response = try await connection.roundTrip(prepared(request, for: endpoint), bodyBytes: request.body)
        retireIfClosing(connection, after: response, endpoint: endpoint)
        return response
    }

    /// A server that answered `Connection: close` will not read another request on that connection:
    /// close it and forget it, so the next request opens a new one.
    private func retireIfClosing(_ connection: HTTPConnection, after response: HTTPResponse, endpoint: HTTPEndpoint) {
        let header = response.header("Connection")?.lowercased() ?? ""
        guard header.contains("close") else { return }
        connections.withLock { state in
            if state[endpoint] === connection { state[endpoint] = nil }
        }
        connection.channel.close(promise: nil)
    }

    /// Closes every connection (the engine also closes them at the end of the ping).
    public func close() {
        let open = connections.withLock { state in
            defer { state = [:] }
            return Array(state.values)
        }
        for connection in open { connection.channel.close(promise: nil) }
    }

    private func prepared(_ request: HTTPRequest, for endpoint: HTTPEndpoint) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "User-Agent", value: userAgent)
        for field in request.headers where !["host", "content-length", "connection"].contains(field.name.lowercased()) {
            headers.add(name: field.name, value: field.value)
        }
        if request.header("Accept") == nil { headers.add(name: "Accept", value: "application/json, */*;q=0.5") }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            headers.add(name: "Content-Length", value: String(request.body.count))
        }
        headers.add(name: "Connection", value: "keep-alive")
        var head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: endpoint.basePath + request.path)
        head.headers = headers
        return head
    }

    private func open(_ target: HTTPTarget) async throws(ProbeFailure) -> HTTPConnection {
        let endpoint = target.endpoint
        // The first connection to an endpoint is recorded as steps; a later one (after the server
        // closed a kept-alive connection) is opened quietly, under the step that needs it.
        let record = opened.withLock { $0.insert(endpoint).inserted }
        let context = self.context
        let dial: DialResult
        if let tunnel = context.tunnel {
            dial = try await tunnel.open(toHost: endpoint.host, port: endpoint.port, context: context)
        } else if record {
            let addresses = try await context.resolve(
                endpoint.host, port: endpoint.port, stepName: StepName.dns.prefixed(by: target.label),
                recordTarget: target.label == nil)
            dial = try await context.step(
                StepName.connect.prefixed(by: target.label), "connecting to \(endpoint.hostHeader)",
                timeoutHint:
                    "a firewall or proxy is probably dropping traffic to \(endpoint.host) port \(endpoint.port)"
            ) { outcome in
                let result = try await Dialer().connect(to: addresses, host: endpoint.host, context: context)
                if target.label == nil {
                    context.trace.updateTarget(
                        { $0.connectedAddress = Dialer.describe(result.address) }, host: endpoint.host,
                        port: endpoint.port)
                }
                outcome.detail = result.attempts.joined(separator: "; ")
                return result
            }
        } else {
            let addresses = try await context.resolver.resolve(
                endpoint.host, port: endpoint.port, within: context.budget())
            dial = try await Dialer().connect(to: addresses, host: endpoint.host, context: context)
        }
        let channel = dial.channel
        // An HTTP server waits for the client; one that has already spoken is something else.
        let spoken = await channel.peekEarlyBytes()
        if !spoken.isEmpty {
            var message =
                "\(endpoint.hostHeader) spoke before the request, which no HTTP\(endpoint.isTLS ? "S" : "") server does"
            if let known = ProtocolSniffer.identify(spoken) { message += " (it looks like \(known.description))" }
            throw ProbeFailure(
                .protocolMismatch, message, hint: "check the host and port: they should be the service's HTTPS API")
        }
        if endpoint.isTLS {
            let settings = TLSSettings(
                mode: target.verifyCertificate ? .verifyFull : .require,
                rootCertificatesPEM: target.rootCertificatesPEM, serverName: endpoint.host)
            if record {
                _ = try await context.step(
                    StepName.tls.prefixed(by: target.label), "TLS handshake with \(endpoint.hostHeader)",
                    timeoutHint:
                        "the server accepted the connection but did not answer the TLS handshake; is this an https port?"
                ) { outcome in
                    let info = try await TLSUpgrade.perform(
                        on: channel, settings: settings, peerName: endpoint.hostHeader, context: context)
                    outcome.detail = info.description
                    return info
                }
            } else {
                _ = try await TLSUpgrade.perform(
                    on: channel, settings: settings, peerName: endpoint.hostHeader, context: context)
            }
        }
        let bodyLimit = Self.bodyLimit
        do {
            return try await channel.eventLoop.submit {
                let connection = try HTTPConnection.install(on: channel, bodyLimit: bodyLimit)
                channel.releaseEarlyBytes()
                return connection
            }.get()
        } catch {
            throw Self.failure(.closed(partial: false), endpoint: endpoint)
        }
    }

    /// Maps an exchange error to a categorised failure naming the endpoint.
    static func failure(_ error: HTTPExchangeError, endpoint: HTTPEndpoint) -> ProbeFailure {
        let name = endpoint.hostHeader
        switch error {
        case .closed(let partial):
            return ProbeFailure(
                .protocolMismatch,
                partial
                    ? "\(name) closed the connection in the middle of its answer"
                    : "\(name) accepted the connection and closed it without answering the HTTP request",
                hint: endpoint.isTLS
                    ? "check the host and port; a load balancer or proxy may be rejecting the request"
                    : "check the host and port; the server may expect TLS (https://)",
                transient: partial)
        case .notHTTP(let bytes):
            var message = "\(name) answered with something that is not HTTP"
            if let known = ProtocolSniffer.identify(bytes) { message += " (it looks like \(known.description))" }
            let hint: String
            if !endpoint.isTLS, bytes.first == 0x15 || bytes.first == 0x16 {
                hint = "the port speaks TLS: use an https:// address"
            } else {
                hint = "check that the host and port are the service's HTTP API"
            }
            return ProbeFailure(.protocolMismatch, message, hint: hint)
        case .tooLarge(let limit):
            return ProbeFailure(
                .protocolMismatch, "\(name) sent an answer larger than \(limit / 1024) KiB; Preflight stopped reading",
                hint: "check that the address is the service's API and not another web server")
        case .failed(let error) where isPeerReset(error):
            // A reset before any answer is the peer closing on us, however the race between our write and
            // its close falls: said the same way as a close.
            return failure(.closed(partial: false), endpoint: endpoint)
        case .failed(let error):
            if error is NIOSSLError || error is BoringSSLError {
                return ProbeFailure(.tls, "TLS with \(name) failed during the exchange: \(error)")
            }
            return ProbeFailure(.unreachable, "the connection to \(name) failed: \(type(of: error))", transient: true)
        }
    }
}

/// One open connection and its response collector.
package final class HTTPConnection: Sendable {
    package let channel: any Channel
    package let collector: NIOLoopBound<HTTPResponseCollector>

    package init(channel: any Channel, collector: NIOLoopBound<HTTPResponseCollector>) {
        self.channel = channel
        self.collector = collector
    }

    /// On `channel`'s event loop: adds the HTTP/1.1 client handlers (first-bytes recorder, encoder,
    /// decoder, a collector capped at `bodyLimit`) at the end of its pipeline.
    package static func install(on channel: any Channel, bodyLimit: Int) throws -> HTTPConnection {
        let recorder = FirstBytesRecorder()
        let collector = HTTPResponseCollector(bodyLimit: bodyLimit, firstBytes: recorder)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(recorder)
        try sync.addHandler(HTTPRequestEncoder())
        try sync.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
        try sync.addHandler(collector)
        return HTTPConnection(channel: channel, collector: NIOLoopBound(collector, eventLoop: channel.eventLoop))
    }

    /// Writes the request and waits for its whole response (or the connection's end).
    package func roundTrip(_ request: HTTPRequestHead, bodyBytes: [UInt8]) async throws(HTTPExchangeError)
        -> HTTPResponse
    {
        let channel = self.channel
        let collector = self.collector
        let promise = channel.eventLoop.makePromise(of: HTTPResponse.self)
        channel.eventLoop.execute {
            guard channel.isActive else {
                promise.fail(HTTPExchangeError.closed(partial: false))
                return
            }
            collector.value.expect(promise)
            channel.write(HTTPClientRequestPart.head(request), promise: nil)
            if !bodyBytes.isEmpty {
                channel.write(
                    HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: bodyBytes))), promise: nil)
            }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as HTTPExchangeError {
            throw error
        } catch {
            throw .failed(error)
        }
    }
}
