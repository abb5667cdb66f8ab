import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Hummingbird's request metrics, with the same names and dimensions as its `MetricsMiddleware`
/// (`hb.requests`, `http.server.request.duration`, `hb.request.errors`, `http.server.active_requests`),
/// without wrapping a body that is already whole.
///
/// Hummingbird's middleware records after the body is written, by wrapping every body in a closure. A
/// wrapped body loses the single-buffer path: the head and the body then go out as separate flushes,
/// two `write(2)` calls and three hops through the channel's writer per answer. Here a body with a
/// known length (every JSON answer) is left as it is and recorded once the handler returns; the few
/// bytes' write is not in the duration. A streamed body (a ping's event stream) is still wrapped, so
/// its duration covers the stream.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let cache = RequestMetricsCache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let active = cache.active(method: request.method)
        active.increment()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = cache.endpoint(context.endpointPath ?? "NotFound", request.method, status)
            metrics.requests.increment()
            metrics.errors.increment()
            active.decrement()
            throw error
        }
        let metrics = cache.endpoint(context.endpointPath ?? "Unknown", request.method, response.status)
        guard response.body.contentLength == nil else {
            metrics.record(since: start)
            active.decrement()
            return response
        }
        let body = response.body
        response.body = ResponseBody { writer in
            defer {
                metrics.record(since: start)
                active.decrement()
            }
            try await body.write(writer)
        }
        return response
    }
}

/// The metrics of each method and of each (route, method, status), made once and reused.
final class RequestMetricsCache: Sendable {
    /// The three metrics of one (route, method, status).
    struct Endpoint: Sendable {
        let requests: Counter
        let duration: Metrics.Timer
        let errors: Counter

        func record(since start: ContinuousClock.Instant) {
            requests.increment()
            duration.recordNanoseconds((ContinuousClock.now - start).nanosecondsClamped)
        }
    }

    private struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    private let meters = Mutex<[HTTPRequest.Method: Meter]>([:])
    private let endpoints = Mutex<[Key: Endpoint]>([:])

    /// `http.server.active_requests` of `method`.
    func active(method: HTTPRequest.Method) -> Meter {
        meters.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(
                label: "http.server.active_requests", dimensions: [("http.request.method", method.description)])
            meters[method] = meter
            return meter
        }
    }

    /// The metrics of `route`, `method` and `status`.
    func endpoint(_ route: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> Endpoint {
        let key = Key(route: route, method: method, status: status.code)
        return endpoints.withLock { endpoints in
            if let endpoint = endpoints[key] { return endpoint }
            let dimensions = [
                ("http.route", route), ("http.request.method", method.description),
                ("http.response.status_code", status.code.description),
            ]
            let endpoint = Endpoint(
                requests: Counter(label: "hb.requests", dimensions: dimensions),
                duration: Metrics.Timer(
                    label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds),
                errors: Counter(
                    label: "hb.request.errors",
                    dimensions: [
                        ("http.route", route), ("http.request.method", method.description),
                        ("error.type", status.code.description),
                    ]))
            endpoints[key] = endpoint
            return endpoint
        }
    }
}
