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
            return try await answer(request)
        } catch {
            return error.hummingbirdResponse
        }
    }

    private func answer(_ request: Request) async throws(APIError) -> Response {
        let company = try await keys.company(authorization: request.headers[.authorization])
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
        let verbose = try Self.verbose(in: request.uri.query)
        if PingEventStream.isRequested(request) {
            let pings = self.pings
            let logger = self.logger
            return await PingEventStream.respond { (events) throws(APIError) -> PingReport in
                do {
                    return try await pings.ping(payload, company: company.uuid, events: events)
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
        logger.debug(
            "ping",
            metadata: [
                "company": "\(company.uuid)", "type": "\(report.type.rawValue)", "ok": "\(report.ok)",
                "category": "\(report.category?.rawValue ?? "ok")",
            ])
        if report.ok && !verbose { return Response(status: .noContent) }
        return Self.json(PingAnswer(error: report.errorText, report: report))
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

    private static func json(_ answer: PingAnswer) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(answer) else { return APIError.internalError.hummingbirdResponse }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
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
