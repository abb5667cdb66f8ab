import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// One AWS request before signing: the path as sent (percent-encoded, without the endpoint's base path
/// or the query), the query as raw pairs, the headers to sign besides Host, and the body.
public struct AWSRequest: Sendable, Equatable {
    public var method: String
    public var path: String
    public var query: [SigV4.QueryItem]
    public var headers: [HTTPField]
    public var body: [UInt8]

    public init(
        _ method: String, _ path: String, query: [SigV4.QueryItem] = [], headers: [HTTPField] = [], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path.isEmpty ? "/" : path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Signs for `endpoint` and returns what the HTTP client sends (it adds Host itself, the same value signed here).
    public func signed(
        for endpoint: HTTPEndpoint, credentials: AWSCredentials, region: String, service: String, date: Date
    ) -> HTTPRequest {
        let signed = SigV4.signedHeaders(
            method: method, host: endpoint.hostHeader, path: endpoint.basePath + path, query: query, headers: headers,
            body: body,
            credentials: credentials, region: region, service: service, date: date)
        let queryText = SigV4.wireQuery(query)
        return HTTPRequest(
            method, queryText.isEmpty ? path : path + "?" + queryText, headers: signed.headers, body: body)
    }
}

/// The thin I/O layer: signs each request and sends it on the ping's HTTP client as one step.
final class AWSClient: Sendable {
    let context: ProbeContext
    let http: HTTPClient
    let rootCertificatesPEM: String?
    /// Adds a secret obtained at run time (or one from the config) to those scrubbed from messages
    /// (here, and by the engine from the whole report).
    func remember(secret: String?) {
        context.rememberSecret(secret)
    }

    /// `text` with every remembered secret masked.
    func scrub(_ text: String) -> String {
        Redactor(secrets: context.runtimeSecrets).redact(text)
    }

    /// The failure with every remembered secret masked.
    func scrub(_ failure: ProbeFailure) -> ProbeFailure {
        var copy = failure
        copy.message = scrub(failure.message)
        copy.hint = failure.hint.map { scrub($0) }
        return copy
    }

    init(context: ProbeContext, rootCertificatesPEM: String?) {
        self.context = context
        self.http = HTTPClient(context: context)
        self.rootCertificatesPEM = rootCertificatesPEM
    }

    func target(_ endpoint: HTTPEndpoint, label: String?) -> HTTPTarget {
        HTTPTarget(endpoint, rootCertificatesPEM: rootCertificatesPEM, label: label)
    }

    /// Connects (recording the label's dns/connect/tls steps), then signs and sends `request` inside
    /// the step `step`; `handle` turns the response into a value or a failure, and may set the detail.
    func call<T: Sendable>(
        _ request: AWSRequest, to endpoint: HTTPEndpoint, label: String?, signingService: String, region: String,
        credentials: AWSCredentials, step: StepName, activity: String,
        handle: @Sendable (HTTPResponse, inout StepOutcome) throws(ProbeFailure) -> T
    ) async throws(ProbeFailure) -> T {
        let target = self.target(endpoint, label: label)
        try await http.connect(target)
        let wire = request.signed(
            for: endpoint, credentials: credentials, region: region, service: signingService, date: context.wallClock())
        return try await exchange(wire, target: target, step: step, activity: activity, handle: handle)
    }

    /// Connects, then sends an unsigned request inside the step `step` (Iceberg REST catalogs).
    func send<T: Sendable>(
        _ request: HTTPRequest, to endpoint: HTTPEndpoint, label: String?, step: StepName, activity: String,
        handle: @Sendable (HTTPResponse, inout StepOutcome) throws(ProbeFailure) -> T
    ) async throws(ProbeFailure) -> T {
        let target = self.target(endpoint, label: label)
        try await http.connect(target)
        return try await exchange(request, target: target, step: step, activity: activity, handle: handle)
    }

    private func exchange<T: Sendable>(
        _ wire: HTTPRequest, target: HTTPTarget, step: StepName, activity: String,
        handle: @Sendable (HTTPResponse, inout StepOutcome) throws(ProbeFailure) -> T
    ) async throws(ProbeFailure) -> T {
        let http = self.http
        return try await context.step(
            step, activity,
            timeoutHint: "\(target.endpoint.hostHeader) accepted the connection but did not answer in time"
        ) { outcome in
            let response: HTTPResponse
            do throws(ProbeFailure) {
                response = try await http.exchange(wire, with: target)
            } catch {
                throw self.scrub(error)
            }
            do throws(ProbeFailure) {
                let value = try handle(response, &outcome)
                outcome.detail = outcome.detail.map { self.scrub($0) }
                return value
            } catch {
                throw self.scrub(error)
            }
        }
    }
}
