import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PreflightHTTP
import PreflightNetwork
import Synchronization
import X509

/// The HTTP/1.1 client of the commands that talk to a remote Preflight service (`preflight agent`,
/// `planes`, `ping --service`): NIO, TLS checked against the system's CA bundle (or `SSL_CERT_FILE`),
/// proxies from the environment as curl reads them (`ProxySettings`). One kept-alive connection is
/// reused between requests; requests sent at the same time each get their own.
public final class RemoteHTTPSession: Sendable {
    /// The largest answer body read.
    public static let bodyLimit = 16 * 1024 * 1024

    let timeout: Duration
    let proxies: ProxySettings
    let roots: Result<CertificateStore, RemoteHTTPError>
    let userAgent: String
    private let idle = Mutex<(key: String, connection: RemoteConnection)?>(nil)

    /// `timeout` bounds each request from its connection to its answer's last byte.
    public init(
        timeout: Duration, proxies: ProxySettings = ProxySettings(), roots: CertificateStore? = nil,
        userAgent: String = "preflight"
    ) {
        self.timeout = timeout
        self.proxies = proxies
        self.roots = roots.map { .success($0) } ?? RemoteTrust.roots(environment: proxies.environment)
        self.userAgent = userAgent
    }

    deinit { close() }

    /// Closes the kept-alive connection.
    public func close() {
        let kept = idle.withLock { slot in
            defer { slot = nil }
            return slot?.connection
        }
        kept?.http.channel.close(promise: nil)
    }

    /// Sends one request and reads its whole answer (any status). Throws only when no answer came.
    public func send(
        _ method: String, _ url: URL, headers: [HTTPField] = [], body: [UInt8] = []
    ) async throws(RemoteHTTPError) -> HTTPResponse {
        let target = try RemoteTarget(url)
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Self.nanoseconds(timeout))
        let proxy = try proxies.proxy(scheme: target.isTLS ? "https" : "http", host: target.host)
        let head = try target.head(
            method: method, headers: headers, bodyLength: body.count, userAgent: userAgent,
            absoluteFor: target.isTLS ? nil : proxy)
        if let kept = takeIdle(target.key) {
            do {
                return try await exchange(head, body, on: kept, key: target.key, deadline: deadline)
            } catch .closed(partial: false) {
                // The server closed the kept-alive connection before reading the request: once more, on a new one.
            }
        }
        let connection: RemoteConnection
        do {
            connection = try await RemoteConnector(
                target: target, proxy: proxy, roots: target.isTLS ? roots.get() : nil, deadline: deadline
            ).open()
        } catch {
            if Task.isCancelled { throw .cancelled }
            if NIODeadline.now() >= deadline { throw .timedOut(seconds: Self.seconds(timeout)) }
            throw error
        }
        return try await exchange(head, body, on: connection, key: target.key, deadline: deadline)
    }

    private func takeIdle(_ key: String) -> RemoteConnection? {
        idle.withLock { slot in
            guard let kept = slot, kept.key == key, kept.connection.http.channel.isActive else { return nil }
            slot = nil
            return kept.connection
        }
    }

    /// One request on `connection` within the deadline; the connection is kept for the next request
    /// unless the server closes it.
    private func exchange(
        _ head: HTTPRequestHead, _ body: [UInt8], on connection: RemoteConnection, key: String, deadline: NIODeadline
    ) async throws(RemoteHTTPError) -> HTTPResponse {
        let channel = connection.http.channel
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
        defer { timer.cancel() }
        let result: Result<HTTPResponse, HTTPExchangeError> = await withTaskCancellationHandler {
            do throws(HTTPExchangeError) {
                return .success(try await connection.http.roundTrip(head, bodyBytes: body))
            } catch {
                return .failure(error)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
        switch result {
        case .success(let response):
            keep(connection, key: key, after: response)
            return response
        case .failure(let error):
            channel.close(promise: nil)
            if Task.isCancelled { throw .cancelled }
            if NIODeadline.now() >= deadline { throw .timedOut(seconds: Self.seconds(timeout)) }
            throw Self.mapped(error, connection: connection)
        }
    }

    private func keep(_ connection: RemoteConnection, key: String, after response: HTTPResponse) {
        let closing = (response.header("Connection") ?? "").lowercased().contains("close")
        let kept =
            !closing
            && idle.withLock { slot in
                guard slot == nil else { return false }
                slot = (key, connection)
                return true
            }
        if !kept { connection.http.channel.close(promise: nil) }
    }

    static func mapped(_ error: HTTPExchangeError, connection: RemoteConnection) -> RemoteHTTPError {
        switch error {
        case .closed(let partial):
            if let problem = connection.finding.get() { return .tls(problem) }
            return .closed(partial: partial)
        case .notHTTP(let bytes):
            if bytes.first == 0x15 || bytes.first == 0x16 {
                return .badAnswer("the server answered with TLS: use an https:// URL")
            }
            return .badAnswer("the server's answer is not HTTP")
        case .tooLarge(let limit):
            return .badAnswer("the server's answer is larger than \(limit / 1024 / 1024) MiB")
        case .failed(let error):
            if let problem = connection.finding.get() { return .tls(problem) }
            // A reset before any answer is the peer closing on us (a kept-alive connection it dropped), however
            // the race between our write and its close falls: said, and retried, as a close.
            if isPeerReset(error) { return .closed(partial: false) }
            return RemoteConnector.describe(error)
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The trust roots of the remote commands: the PEM file named by `SSL_CERT_FILE` when set, else the
/// system's CA bundle. A file that cannot be read, or holds no certificate, fails every https request.
public enum RemoteTrust {
    public static func roots(environment: [String: String]) -> Result<CertificateStore, RemoteHTTPError> {
        guard let path = environment["SSL_CERT_FILE"], !path.isEmpty else {
            return .success(CertificateStore.systemTrustRoots)
        }
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8),
            let store = try? ChainVerifier.store(fromPEM: pem)
        else {
            return .failure(.tls("SSL_CERT_FILE names \(path.prefix(200)), which holds no readable PEM certificate"))
        }
        return .success(store)
    }
}
