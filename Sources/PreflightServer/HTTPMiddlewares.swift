import Foundation
import Hummingbird
import Logging

/// One log line per request: method, path (without the query), status and duration, and what the route
/// noted (a ping's type, category, company and masked target: ``AccessNote``). Never the body, the
/// query string or any header (so never `Authorization`).
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: Int(response.status.code), since: start, context: context)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, status: Int(status), since: start, context: context)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, since start: ContinuousClock.Instant, context: Context) {
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        var metadata: Logger.Metadata = [
            "http.method": .string(request.method.rawValue),
            "http.path": .string(request.uri.path),
            "http.status": .stringConvertible(status),
            "duration_ms": .string(Self.milliseconds(micros)),
        ]
        if let note = (context as? any AccessNoting)?.accessNote.fields { metadata.merge(note) { old, _ in old } }
        context.logger.log(level: level, "request", metadata: metadata)
    }

    /// `micros` as milliseconds with one decimal ("12.3"), without Foundation's formatter.
    static func milliseconds(_ micros: Int64) -> String {
        let tenths = (max(micros, 0) + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// Answers every error that reaches the router as `{"error": "..."}`: unknown routes (404), a known
/// route with the wrong method (405 with `Allow`), and anything a handler let escape.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes of openapi.yaml and their methods, for 405 answers.
    let routes: [String: [HTTPRequest.Method]]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            var apiError = ErrorTranslator.apiError(for: error, request: request.head, logger: context.logger)
            let path = request.uri.path
            if apiError.status == .notFound, let allowed = Self.methods(for: path, in: routes),
                !allowed.contains(request.method)
            {
                let names = allowed.map(\.rawValue).joined(separator: ", ")
                apiError = APIError(
                    .methodNotAllowed, "\(request.method.rawValue) is not allowed on \(path); use \(names)",
                    headers: [.allow: names])
            }
            return apiError.hummingbirdResponse
        }
    }

    /// The methods of the route `path` matches, templates included (`/ssh-tunnels/{uuid}`).
    static func methods(for path: String, in routes: [String: [HTTPRequest.Method]]) -> [HTTPRequest.Method]? {
        if let exact = routes[path] { return exact }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for (template, methods) in routes {
            let pattern = template.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == parts.count else { continue }
            let matches = zip(pattern, parts).allSatisfy { expected, actual in
                (expected.hasPrefix("{") && expected.hasSuffix("}") && !actual.isEmpty) || expected == actual
            }
            if matches { return methods }
        }
        return nil
    }
}
