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
        defer { drain.finish() }
        return try await next(request, context)
    }

    /// The 503 of a request that arrived after the shutdown began.
    static func refusal(retryAfter seconds: Int) -> APIError {
        APIError(
            .serviceUnavailable,
            "this Preflight server is shutting down and accepts no new requests; retry after \(seconds) second\(seconds == 1 ? "" : "s") (another instance, or this one restarted, will answer)",
            headers: [.retryAfter: "\(seconds)"])
    }
}
