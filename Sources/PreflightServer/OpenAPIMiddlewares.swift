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
/// ``APIKeyCheck``, and binds the key's company to ``AuthenticatedCompany/current`` for the handler.
///
/// Nothing of the request body is read before the key is accepted.
struct AuthenticationMiddleware: ServerMiddleware {
    let keys: APIKeyCheck
    let publicOperations: Set<String>

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if publicOperations.contains(operationID) {
            return try await next(request, body, metadata)
        }
        let company: Company
        do {
            company = try await keys.company(authorization: request.headerFields[.authorization])
        } catch {
            return error.openAPIResponse
        }
        return try await AuthenticatedCompany.$current.withValue(company) {
            try await next(request, body, metadata)
        }
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

/// Defence in depth for 400 messages: the validator never repeats a secret on purpose, but a message
/// may quote a value (an unknown type, a data plane name) that the client filled with one by mistake.
/// Anything equal to a secret-looking `sharedConfig` value of the same body is masked.
enum SecretScrubber {
    static func scrub(_ message: String, body: Data?) -> String {
        guard let body, case .object(let fields)? = JSONValue.parse(body),
            case .object(let config)? = fields["sharedConfig"]
        else { return message }
        return Redactor(config: SharedConfig(config)).redact(message)
    }
}

/// Every operation's body, read with the size limit (413 past it, also for a chunked body whose length
/// is unknown until it ends) before the generated decoder sees it. Operations in `jsonOperations` take
/// their body as JSON whatever `Content-Type` says or omits (Artie's Terraform provider sends none);
/// those in `optionalBodyOperations` also accept an empty body, as `{}` (`curl -X POST` sends nothing).
struct RequestBodyMiddleware: ServerMiddleware {
    let maxBodyBytes: Int
    let jsonOperations: Set<String>
    let optionalBodyOperations: Set<String>

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if let declared = request.headerFields[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            return APIError.tooLarge(limit: maxBodyBytes).openAPIResponse
        }
        guard let body else { return try await next(request, nil, metadata) }
        var collected: [UInt8] = []
        for try await chunk in body {
            guard collected.count + chunk.count <= maxBodyBytes else {
                return APIError.tooLarge(limit: maxBodyBytes).openAPIResponse
            }
            collected.append(contentsOf: chunk)
        }
        var request = request
        if jsonOperations.contains(operationID) {
            request.headerFields[.contentType] = "application/json"
            if optionalBodyOperations.contains(operationID),
                collected.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 })
            {
                collected = Array("{}".utf8)
            }
        }
        request.headerFields[.contentLength] = "\(collected.count)"
        return try await next(request, HTTPBody(collected), metadata)
    }
}
