import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// An error answered as `{"error": message}` with its status (and headers such as `Retry-After`).
struct APIError: Error, Sendable, HTTPResponseConvertible, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    var headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    static let unauthorized = APIError(
        .unauthorized, "missing or invalid API key: send Authorization: Bearer arsk_...",
        headers: [.wwwAuthenticate: "Bearer"])

    static func tooLarge(limit: Int) -> APIError {
        APIError(
            .contentTooLarge,
            "the request body is larger than \(ByteCountText.describe(limit)); send at most \(limit) bytes")
    }

    static let internalError = APIError(.internalServerError, "internal error in Preflight; the fault has been logged")

    var description: String { "\(status.code) \(message)" }

    // HTTPResponseConvertible: lets OpenAPIRuntime's ServerError carry our status and body.
    var httpStatus: HTTPResponse.Status { status }
    var httpHeaderFields: HTTPFields {
        var fields = headers
        fields[.contentType] = ErrorJSON.contentType
        return fields
    }
    var httpBody: HTTPBody? { HTTPBody(ErrorJSON.encode(message)) }

    /// The OpenAPI transport's form of this error.
    var openAPIResponse: (HTTPResponse, HTTPBody?) {
        (HTTPResponse(status: status, headerFields: httpHeaderFields), httpBody)
    }

    /// Hummingbird's form of this error.
    var hummingbirdResponse: Response {
        Response(
            status: status, headers: httpHeaderFields,
            body: .init(byteBuffer: ByteBuffer(bytes: ErrorJSON.encode(message))))
    }
}

/// The one error body of the whole API: `{"error": "<message>"}`.
enum ErrorJSON {
    static let contentType = "application/json; charset=utf-8"

    private struct Body: Encodable {
        var error: String
    }

    static func encode(_ message: String) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? Array(encoder.encode(Body(error: message)))) ?? Array(#"{"error":"internal error"}"#.utf8)
    }
}

enum ByteCountText {
    static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

/// Turns anything thrown while handling a request into an ``APIError``: client mistakes keep their
/// 4xx status with a precise message; anything else becomes a 500 whose details go to the log only.
enum ErrorTranslator {
    static func apiError(for error: any Error, request: HTTPRequest? = nil, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ServerError:
            return apiError(for: error, logger: logger)
        case let error as any HTTPResponseError:
            return apiError(status: error.status, body: (error as? HTTPError)?.body, request: request)
        case is CancellationError:
            return APIError(.serviceUnavailable, "the request was cancelled")
        default:
            logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))"])
            return .internalError
        }
    }

    private static func apiError(for error: ServerError, logger: Logger) -> APIError {
        if let api = error.underlyingError as? APIError { return api }
        let status = error.httpStatus
        guard status.kind == .clientError else {
            // Log the cause but never the request (ServerError's description includes the body).
            logger.error(
                "operation failed",
                metadata: [
                    "operation": "\(error.operationID)", "cause": "\(error.causeDescription)",
                    "error.type": "\(type(of: error.underlyingError))",
                ])
            return .internalError
        }
        if let decoding = error.underlyingError as? DecodingError {
            return APIError(status, "invalid request: \(describe(decoding))")
        }
        return APIError(status, "invalid request: \(error.causeDescription)")
    }

    private static func apiError(status: HTTPResponse.Status, body: String?, request: HTTPRequest?) -> APIError {
        if let body, !body.isEmpty { return APIError(status, body) }
        let route =
            request.map { "\($0.method.rawValue) \(($0.path ?? "/").split(separator: "?").first ?? "/")" }
            ?? "this request"
        switch status {
        case .notFound: return APIError(status, "no such endpoint: \(route)")
        case .contentTooLarge: return APIError(status, "the request body is too large")
        case .badRequest: return APIError(status, "malformed request")
        default:
            if status.kind == .serverError { return .internalError }
            return APIError(status, status.reasonPhrase.isEmpty ? "request failed" : status.reasonPhrase.lowercased())
        }
    }

    /// Describes a decoding failure by where it happened and what kind it was; never by the value.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in keys + (last.map { [$0] } ?? []) {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? "a value of the request" : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) must be \(kind(of: type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(kind(of: type)), not null"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath, key)) is required"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the request body is not valid JSON" : "\(path(context.codingPath)) is malformed"
        @unknown default:
            return "the request could not be decoded"
        }
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean (true or false)"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is [Any].Type: "an array"
        case is [String: Any].Type: "an object"
        default: "of type \(type)"
        }
    }
}
