import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PreflightCore
import PreflightServices

/// `POST /connectors/ping`, Artie's contract: the key is checked, the body is read with a size limit
/// and decoded and validated once (``ConnectorPayload/decode(json:)``, whose messages name the key),
/// and the validated value goes to the ``PingService`` as a parameter. Any `Content-Type` is accepted
/// (Artie's Terraform provider sends none).
///
/// Answers: 204 (works), 200 `{"error", "report"}` (failed; `report` alone with `verbose=true` on
/// success), 400/401/413/429/503 `{"error"}`. With `Accept: text/event-stream`, the steps as they
/// happen, then the same answer as a last event (see ``PingEventStream``).
struct PingRoute: Sendable {
    let pings: PingService
    let keys: APIKeyCheck
    let maxBodyBytes: Int
    let logger: Logger

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        do {
            return try await answer(request, note: (context as? any AccessNoting)?.accessNote)
        } catch {
            return error.hummingbirdResponse
        }
    }

    private func answer(_ request: Request, note: AccessNote?) async throws(APIError) -> Response {
        let company = try await keys.company(authorization: request.headers[.authorization])
        note?.add(["company": "\(company.uuid)"])
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            throw .tooLarge(limit: maxBodyBytes)
        }
        let data: Data
        do {
            data = try await Self.collect(request.body, upTo: maxBodyBytes)
        } catch is BodyTooLarge {
            throw .tooLarge(limit: maxBodyBytes)
        } catch {
            throw APIError(.badRequest, "the request body could not be read")
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw APIError(
                .badRequest,
                "the request body is empty; send a JSON object such as {\"type\": \"postgresql\", \"sharedConfig\": {...}}"
            )
        }
        let payload: ConnectorPayload
        do {
            payload = try ConnectorPayload.decode(json: data)
        } catch {
            throw APIError(.badRequest, SecretScrubber.scrub(error.message, body: data))
        }
        note?.add(["ping.type": "\(payload.type.rawValue)"])
        let verbose = try Self.verbose(in: request.uri.query)
        if PingEventStream.isRequested(request) {
            let pings = self.pings
            let logger = self.logger
            return await PingEventStream.respond { (events) throws(APIError) -> PingReport in
                do {
                    // The request's access line is written when the stream starts, before the end.
                    let report = try await pings.ping(payload, company: company.uuid, events: events)
                    logger.info("ping finished", metadata: Self.accessFields(report))
                    return report
                } catch let error as PingServiceError {
                    throw Self.apiError(error, payload: payload, logger: logger)
                } catch {
                    throw ErrorTranslator.apiError(for: error, logger: logger)
                }
            }
        }
        let report: PingReport
        do {
            report = try await pings.ping(payload, company: company.uuid)
        } catch let error as PingServiceError {
            throw Self.apiError(error, payload: payload, logger: logger)
        } catch {
            throw ErrorTranslator.apiError(for: error, logger: logger)
        }
        note?.add(Self.accessFields(report))
        if report.ok && !verbose { return Response(status: .noContent) }
        return Self.json(PingAnswer(error: report.errorText, report: report))
    }

    /// The report's fields on the request's access-log line (its target is already masked).
    static func accessFields(_ report: PingReport) -> Logger.Metadata {
        var fields: Logger.Metadata = [
            "ping.type": "\(report.type.rawValue)",
            "ping.category": "\(report.category?.rawValue ?? "ok")",
            "ping.duration_ms": "\(Int(report.durationMs))",
            "ping.target": "\(report.target?.host ?? "-")",
        ]
        if let agent = report.agent {
            fields["ping.plane"] = "\(report.dataPlane)"
            fields["ping.agent"] = "\(agent)"
        }
        return fields
    }

    private static func apiError(_ error: PingServiceError, payload: ConnectorPayload, logger: Logger) -> APIError {
        switch error {
        case .invalid(let invalid):
            return APIError(.badRequest, Redactor(config: payload.sharedConfig).redact(invalid.message))
        case .overloaded(let seconds):
            return APIError(
                .tooManyRequests,
                "too many pings are running at once; retry after \(seconds) second\(seconds == 1 ? "" : "s")",
                headers: [.retryAfter: "\(seconds)"])
        case .companyOverloaded(let limit, let seconds):
            return APIError(
                .tooManyRequests,
                "too many pings of this company are running at once (its share of this service is \(limit)); retry after \(seconds) second\(seconds == 1 ? "" : "s")",
                headers: [.retryAfter: "\(seconds)"])
        case .tunnelKeyUnreadable(let uuid):
            logger.error("ssh tunnel key could not be opened", metadata: ["tunnel": "\(uuid)"])
            return APIError(
                .internalServerError,
                "the private key of SSH tunnel \(uuid.uuidString.lowercased()) cannot be decrypted with this server's master key; rotate the tunnel's key"
            )
        }
    }

    /// The 200 body: `error` on failure, and the report.
    struct PingAnswer: Encodable {
        var error: String?
        var report: PingReport
    }

    /// The answer as `JSONEncoder` would write it (sorted keys), written directly (``JSONWriter``).
    private static func json(_ answer: PingAnswer) -> Response {
        var json = JSONWriter(capacity: 1024)
        var first = true
        json.raw("{")
        json.field("error", answer.error, first: &first)
        json.key("report", first: &first)
        answer.report.write(to: &json)
        json.raw("}")
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    struct BodyTooLarge: Error {}

    /// The whole body, or `BodyTooLarge` as soon as it is known to exceed `limit` bytes (also for a
    /// chunked body, whose length is unknown until it ends).
    static func collect<Body: AsyncSequence>(_ body: Body, upTo limit: Int) async throws -> Data
    where Body.Element == ByteBuffer {
        var data = Data()
        for try await chunk in body {
            guard data.count + chunk.readableBytes <= limit else { throw BodyTooLarge() }
            data.append(contentsOf: chunk.readableBytesView)
        }
        return data
    }

    /// `verbose` as true/false, 1/0, yes/no, on/off (any case) or bare (`?verbose` = true); the last
    /// one wins; anything else is a precise 400.
    static func verbose(in query: String?) throws(APIError) -> Bool {
        guard let query else { return false }
        var verbose = false
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "verbose" else { continue }
            let raw = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            switch raw.lowercased() {
            case "", "true", "1", "yes", "on": verbose = true
            case "false", "0", "no", "off": verbose = false
            default: throw APIError(.badRequest, "the query parameter verbose must be true or false")
            }
        }
        return verbose
    }
}
