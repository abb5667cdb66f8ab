import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// A ping of ClickHouse's HTTP interface: connect to the first address that answers (dns, connect, tls
/// per address; later addresses' steps are prefixed `address2_`, ...), `ping` (GET /ping answers "Ok."),
/// then `auth`: an authenticated, read-only `SELECT version()` (GET, so ClickHouse treats it as read-only),
/// then `readiness`: whether the user may write (ClickHouse is only ever a destination).
struct ClickHouseProbe: Probe {
    let config: ClickHouseConfig

    var target: PingTarget {
        PingTarget(host: config.addresses[0].endpoint.host, port: config.addresses[0].endpoint.port)
    }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let client = HTTPClient(context: context)
        defer { client.close() }
        let (address, target) = try await connectFirst(client, context: context)
        try await ping(client, address: address, target: target, context: context)
        let version = try await authenticate(client, address: address, target: target, context: context)
        try await destinationReadiness(client, address: address, target: target, version: version, context: context)
    }

    func httpTarget(_ address: ClickHouseAddress, index: Int) -> HTTPTarget {
        HTTPTarget(
            address.endpoint, rootCertificatesPEM: config.rootCertificatesPEM, verifyCertificate: true,
            label: index == 0 ? nil : "address\(index + 1)")
    }

    /// Failures that mean "this address did not answer": try the next one.
    static func isUnreachable(_ failure: ProbeFailure) -> Bool {
        [.dns, .refused, .unreachable, .timeout, .egressDenied].contains(failure.category)
    }

    // MARK: Connect

    func connectFirst(_ client: HTTPClient, context: ProbeContext) async throws(ProbeFailure) -> (
        ClickHouseAddress, HTTPTarget
    ) {
        var failures: [(ClickHouseAddress, ProbeFailure)] = []
        for (index, address) in config.addresses.enumerated() {
            let target = httpTarget(address, index: index)
            do {
                try await client.connect(target)
                if !failures.isEmpty {
                    context.trace.note(
                        .addresses, status: .warning,
                        detail:
                            "\(address.endpoint) answered after \(failures.map { "\($0.0.endpoint.hostHeader) (\($0.1.category.rawValue))" }.joined(separator: ", ")) did not"
                    )
                }
                return (address, target)
            } catch {
                let failure = explain(error, address: address)
                guard Self.isUnreachable(failure), index + 1 < config.addresses.count,
                    context.deadline.remaining > .milliseconds(300)
                else {
                    if failures.isEmpty { throw failure }
                    failures.append((address, failure))
                    throw ProbeFailure(
                        failure.category,
                        "none of the \(failures.count) ClickHouse addresses answered: "
                            + failures.map { "\($0.0.endpoint.hostHeader): \($0.1.message)" }.joined(separator: "; "),
                        hint: failure.hint, transient: failure.transient)
                }
                failures.append((address, failure))
            }
        }
        throw ProbeFailure(.internalError, "no ClickHouse address to try")
    }

    /// Adds what the port mapping and isInsecure mean to a connection failure.
    func explain(_ failure: ProbeFailure, address: ClickHouseAddress) -> ProbeFailure {
        var failure = failure
        if let note = address.portNote, [.refused, .timeout, .unreachable].contains(failure.category) {
            failure.hint = [failure.hint, note].compactMap { $0 }.joined(separator: "; ")
        }
        if !address.endpoint.isTLS, failure.category == .protocolMismatch, failure.hint?.contains("https") == true {
            failure.hint = "the port speaks TLS: set isInsecure to false"
        }
        if address.endpoint.isTLS, failure.category == .tls, failure.message.contains("did not answer with TLS") {
            failure.hint = "the port may speak plain HTTP: set isInsecure to true if it is not meant to use TLS"
        }
        return failure
    }

    // MARK: Ping

    func ping(_ client: HTTPClient, address: ClickHouseAddress, target: HTTPTarget, context: ProbeContext)
        async throws(ProbeFailure)
    {
        let server = address.endpoint.hostHeader
        try await context.step(
            .ping, "GET /ping on \(address.endpoint)",
            timeoutHint: "\(server) accepted the connection but did not answer GET /ping"
        ) { outcome in
            let response: HTTPResponse
            do throws(ProbeFailure) {
                response = try await client.exchange(
                    HTTPRequest("GET", "/ping", headers: [HTTPField("Accept", "*/*")]), with: target)
            } catch {
                throw explain(error, address: address)
            }
            if response.text.contains("is for clickhouse-client program") {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) is ClickHouse's native protocol port, not its HTTP interface (it answered: \(response.preview(120)))",
                    hint: "give the HTTP interface's port in addresses (8123, or 8443 with TLS), or set httpPort")
            }
            guard response.status == 200, response.text.trimmingCharacters(in: .whitespacesAndNewlines) == "Ok." else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) answered GET /ping with \(Self.describe(response)), not ClickHouse's \"Ok.\"",
                    hint:
                        "check the address: it should be ClickHouse's \(address.endpoint.isTLS ? "HTTPS (8443)" : "HTTP (8123)") interface"
                        + (address.portNote.map { "; \($0)" } ?? ""))
            }
            outcome.detail =
                "GET /ping answered Ok. on \(address.endpoint)" + (address.portNote.map { " (\($0))" } ?? "")
        }
    }

    /// "HTTP 404 Not Found from nginx/1.25 (text/html: <html>...)"
    static func describe(_ response: HTTPResponse) -> String {
        var text = response.statusLine
        if let server = response.header("Server") { text += " from \(PeerText.quote(server, limit: 60))" }
        let preview = response.preview(80)
        if !preview.isEmpty {
            text += " (\(response.header("Content-Type").map { "\(PeerText.quote($0, limit: 40)): " } ?? "")\(preview))"
        }
        return text
    }

    // MARK: Auth

    /// The server's version.
    func authenticate(_ client: HTTPClient, address: ClickHouseAddress, target: HTTPTarget, context: ProbeContext)
        async throws(ProbeFailure) -> String
    {
        let server = address.endpoint.hostHeader
        let config = self.config
        var headers = [HTTPField("X-ClickHouse-User", config.username), HTTPField("Accept", "*/*")]
        if let password = config.password { headers.append(HTTPField("X-ClickHouse-Key", password)) }
        var path = "/?query=" + FormEncoding.percentEncode("SELECT version()")
        if let database = config.database {
            // The header is read by ClickHouse 19+; the query parameter by every version.
            headers.append(HTTPField("X-ClickHouse-Database", database))
            path += "&database=" + FormEncoding.percentEncode(database)
        }
        let request = HTTPRequest("GET", path, headers: headers)
        return try await context.step(
            .auth, "running SELECT version() as \(config.username)",
            timeoutHint: "\(server) did not answer an authenticated query in time"
        ) { outcome -> String in
            let response: HTTPResponse
            do throws(ProbeFailure) {
                response = try await client.exchange(request, with: target)
            } catch {
                throw explain(error, address: address)
            }
            guard response.status == 200 else {
                guard
                    let exception = ClickHouseException.parse(
                        body: response.text, codeHeader: response.header("X-ClickHouse-Exception-Code"))
                else {
                    // Without a ClickHouse exception, a 404 is some other web server's page: not ClickHouse.
                    let generic = HTTPStatusCategory(status: response.status)
                    if let generic, generic.transient {
                        throw generic.failure("\(server) answered \(Self.describe(response))")
                    }
                    switch generic?.category {
                    case .auth?:
                        throw ProbeFailure(
                            .auth,
                            "\(server) refused the credentials of user \"\(config.username)\" (\(Self.describe(response)))"
                        )
                    case .permission?:
                        throw ProbeFailure(
                            .permission,
                            "\(server) refused the query for user \"\(config.username)\" (\(Self.describe(response)))")
                    default:
                        throw ProbeFailure(
                            .protocolMismatch,
                            "\(server) answered SELECT version() with \(Self.describe(response)), not a ClickHouse result or error"
                        )
                    }
                }
                throw ClickHouseErrorMapping.failure(
                    exception, status: response.status, user: config.username, database: config.database,
                    passwordGiven: config.password != nil, server: server)
            }
            let version = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !version.isEmpty, version.count <= 64, version.first?.isNumber == true else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) answered SELECT version() with \(Self.describe(response)), not a version")
            }
            var detail = "user \(config.username) authenticated; ClickHouse \(version)"
            if let database = config.database { detail += ", database \(database)" }
            if let name = response.header("X-ClickHouse-Server-Display-Name") {
                detail += " (server \(PeerText.quote(name, limit: 60)))"
            }
            outcome.detail = detail
            return version
        }
    }
}
