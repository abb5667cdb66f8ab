import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import PreflightCore
import PreflightStore

/// The outermost OpenAPI middleware: whatever an operation throws (a request the generated code
/// could not decode, a handler fault) is answered as `{"error": "..."}`. OpenAPIRuntime's own
/// classification decides the status (decoding failures are 400), so a client mistake never becomes
/// a 500; real faults become a 500 whose cause is logged, never sent.
struct ErrorMappingMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            return ErrorTranslator.apiError(for: error, request: request, logger: logger).openAPIResponse
        }
    }
}

/// Every operation has exactly one response media type, so content negotiation can only turn a
/// working request into a 406. Drop `Accept` so a browser's or an odd client's header is harmless.
struct LenientNegotiationMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.accept] = nil
        return try await next(request, body, metadata)
    }
}

/// Requires `Authorization: Bearer arsk_...` on every operation not listed as public, checks it with
/// the store, and binds the key's company to ``AuthenticatedCompany/current`` for the handler.
///
/// Nothing of the request body is read before the key is accepted.
struct AuthenticationMiddleware: ServerMiddleware {
    let store: any PreflightStore
    let publicOperations: Set<String>
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if publicOperations.contains(operationID) {
            return try await next(request, body, metadata)
        }
        guard let key = Self.apiKey(from: request.headerFields[.authorization]) else {
            return APIError.unauthorized.openAPIResponse
        }
        let company: Company?
        do {
            company = try await store.authenticate(key: key)
        } catch {
            logger.error("API key check failed", metadata: ["error.type": "\(type(of: error))"])
            return APIError(
                .serviceUnavailable, "could not check the API key (the key store is unavailable); try again shortly",
                headers: [.retryAfter: "1"]
            ).openAPIResponse
        }
        guard let company else { return APIError.unauthorized.openAPIResponse }
        return try await AuthenticatedCompany.$current.withValue(company) {
            try await next(request, body, metadata)
        }
    }

    /// The key of `Authorization: Bearer <key>` (scheme case-insensitive). A bare `arsk_` key is
    /// accepted too, since some clients omit the scheme. Anything else is no key.
    static func apiKey(from header: String?) -> String? {
        guard let header else { return nil }
        let value = header.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("arsk_"), !value.contains(" ") { return value }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let key = parts[1].trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : key
    }
}

/// Reads the body of `POST /connectors/ping` with a size limit and validates it with Preflight's own
/// validator (``ConnectorPayload/decode(json:)``), whose messages name the field that is wrong.
///
/// The generated decoder then receives a canonical re-encoding of the validated payload, so whatever
/// the validator accepts (extra fields, empty strings, ports as strings, any `Content-Type`) the
/// generated types accept too, and the handler uses the validated value via ``ValidatedPing``.
struct PingBodyMiddleware: ServerMiddleware {
    let maxBodyBytes: Int

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == Operations.PingConnector.id else {
            return try await next(request, body, metadata)
        }
        if let declared = request.headerFields[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            return APIError.tooLarge(limit: maxBodyBytes).openAPIResponse
        }
        let data: Data
        do {
            data = try await Self.collect(body, upTo: maxBodyBytes)
        } catch is BodyTooLarge {
            return APIError.tooLarge(limit: maxBodyBytes).openAPIResponse
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return APIError(
                .badRequest,
                "the request body is empty; send a JSON object such as {\"type\": \"postgresql\", \"sharedConfig\": {...}}"
            ).openAPIResponse
        }
        let payload: ConnectorPayload
        do {
            payload = try ConnectorPayload.decode(json: data)
        } catch {
            return APIError(.badRequest, SecretScrubber.scrub(error.message, body: data)).openAPIResponse
        }
        var forwarded: HTTPRequest
        do {
            forwarded = try Self.normalizingVerbose(request)
        } catch {
            return error.openAPIResponse
        }
        forwarded.headerFields[.contentType] = "application/json"
        forwarded.headerFields[.contentLength] = nil
        let canonical = try JSONEncoder().encode(CanonicalPayload.json(payload))
        return try await ValidatedPing.$payload.withValue(payload) {
            try await next(forwarded, HTTPBody(canonical), metadata)
        }
    }

    struct BodyTooLarge: Error {}

    /// Accepts `verbose` as true/false, 1/0, yes/no, on/off (any case) or bare (`?verbose` = true) and
    /// rewrites it to one `true`/`false` for the generated decoder (the last one wins); anything else is a precise 400.
    static func normalizingVerbose(_ request: HTTPRequest) throws(APIError) -> HTTPRequest {
        guard let path = request.path, let mark = path.firstIndex(of: "?") else { return request }
        let query = path[path.index(after: mark)...]
        var verbose: Bool?
        var items: [String] = []
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "verbose" else {
                items.append(String(item))
                continue
            }
            let raw = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            let value: Bool
            switch raw.lowercased() {
            case "", "true", "1", "yes", "on": value = true
            case "false", "0", "no", "off": value = false
            default: throw APIError(.badRequest, "the query parameter verbose must be true or false")
            }
            verbose = value  // the last one wins
        }
        guard let verbose else { return request }
        items.append("verbose=\(verbose)")
        var rewritten = request
        rewritten.path = String(path[..<mark]) + "?" + items.joined(separator: "&")
        return rewritten
    }

    /// The whole body, or `BodyTooLarge` as soon as it is known to exceed `limit` bytes.
    static func collect(_ body: HTTPBody?, upTo limit: Int) async throws -> Data {
        guard let body else { return Data() }
        if case .known(let length) = body.length, length > limit { throw BodyTooLarge() }
        var data = Data()
        for try await chunk in body {
            guard data.count + chunk.count <= limit else { throw BodyTooLarge() }
            data.append(contentsOf: chunk)
        }
        return data
    }
}

/// Sets the Prometheus text format's content type (the generator only knows `text/plain`).
struct MetricsContentTypeMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        if operationID == Operations.GetMetrics.id, response.status == .ok {
            response.headerFields[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        }
        return (response, responseBody)
    }
}

/// The validated payload as the JSON the generated `PayloadsConnectorPayload` decodes.
enum CanonicalPayload {
    static func json(_ payload: ConnectorPayload) -> JSONValue {
        var fields: [String: JSONValue] = [
            "type": .string(payload.type.rawValue),
            "sharedConfig": .object(payload.sharedConfig.values),
        ]
        func put(_ key: String, _ value: String?) {
            if let value { fields[key] = .string(value) }
        }
        put("sshTunnelUUID", payload.sshTunnelUUID?.uuidString.lowercased())
        put("dataPlaneName", payload.dataPlaneName)
        put("defaultDatabase", payload.defaultDatabase)
        put("environmentUUID", payload.environmentUUID?.uuidString.lowercased())
        put("label", payload.label)
        put("uuid", payload.uuid)
        put("connectionRole", payload.connectionRole)
        put("privateLinkUUID", payload.privateLinkUUID?.uuidString.lowercased())
        put("snapshotPrivateLinkUUID", payload.snapshotPrivateLinkUUID?.uuidString.lowercased())
        if let seconds = payload.timeoutSeconds { fields["timeoutSeconds"] = .number(seconds) }
        return .object(fields)
    }
}

/// Defence in depth for 400 messages: the validator never repeats a secret on purpose, but a message
/// may quote a value (an unknown type, a data plane name) that the client filled with one by mistake.
/// Anything equal to a secret-looking `sharedConfig` value of the same body is masked.
enum SecretScrubber {
    static func scrub(_ message: String, body: Data?) -> String {
        guard let body,
            case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: body),
            case .object(let config)? = fields["sharedConfig"]
        else { return message }
        return Redactor(config: SharedConfig(config)).redact(message)
    }
}

/// Operations whose body is optional accept a POST with no body and no `Content-Type` (as `curl -X POST`
/// sends): the runtime would otherwise insist on a content type.
struct OptionalBodyMiddleware: ServerMiddleware {
    let operations: Set<String>

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operations.contains(operationID), request.headerFields[.contentType] == nil else {
            return try await next(request, body, metadata)
        }
        var request = request
        request.headerFields[.contentType] = "application/json"
        var collected = try await [UInt8](collecting: body ?? HTTPBody(), upTo: 64 * 1024)
        if collected.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            collected = Array("{}".utf8)
        }
        return try await next(request, HTTPBody(collected), metadata)
    }
}
