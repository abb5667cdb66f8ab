import Hummingbird

/// Counts each request in and out of ``ShutdownDrain``; once the server drains, answers new requests
/// 503 `{"error"}` with `Retry-After` instead of running them. `/healthz` (which then says `draining`)
/// and `/metrics` are always served and never counted.
struct DrainMiddleware<Context: RequestContext>: RouterMiddleware {
    let drain: ShutdownDrain

    /// Paths served while draining.
    static var alwaysServed: Set<String> { ["/healthz", "/metrics"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if Self.alwaysServed.contains(request.uri.path) { return try await next(request, context) }
        guard drain.admit() else { return Self.refusal(retryAfter: drain.retryAfterSeconds).hummingbirdResponse }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            drain.finish()
            throw error
        }
        guard response.body.contentLength == nil else {
            drain.finish()
            return response
        }
        // A body written as it is produced (a ping's event stream) is still running when the handler
        // returns: the request is finished only once its body is.
        let drain = self.drain
        let body = response.body
        var streamed = response
        streamed.body = ResponseBody { writer in
            do {
                try await body.write(writer)
            } catch {
                drain.finish()
                throw error
            }
            drain.finish()
        }
        return streamed
    }

    /// The 503 of a request that arrived after the shutdown began.
    static func refusal(retryAfter seconds: Int) -> APIError {
        APIError(
            .serviceUnavailable,
            "this Preflight server is shutting down and accepts no new requests; retry after \(seconds) second\(seconds == 1 ? "" : "s") (another instance, or this one restarted, will answer)",
            headers: [.retryAfter: "\(seconds)"])
    }
}
