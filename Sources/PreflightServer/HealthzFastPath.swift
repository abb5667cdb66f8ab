import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import PreflightCore
import Synchronization

/// Answers `GET /healthz` in the connection's pipeline, on the event loop, as soon as its head is read:
/// no task, no router, no queue behind the pings. A load balancer's health check then sees the process
/// itself, not the length of the ping queue (its p99 under a saturating ping load was 14-19 ms through
/// the router; see bench/run.sh). Any other request, or a `/healthz` that arrives while an earlier
/// request of the same connection is still being answered, goes on to the router unchanged.
///
/// The answer is the router's: 200 `{"status":"ok"}` (with `egressIPs` when the operator declared them),
/// or 503 `draining` once shutdown began. These answers are not in the access log or the per-route HTTP
/// metrics (health checks every few seconds would drown both).
final class HealthzFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The two bodies, made once per service.
    struct Bodies: Sendable {
        let ok: [UInt8]
        let draining: [UInt8]

        init(egressIPs: [String]) {
            func body(_ status: String) -> [UInt8] {
                var json = JSONWriter(capacity: 64)
                json.raw("{")
                var first = true
                if !egressIPs.isEmpty {
                    json.key("egressIPs", first: &first)
                    json.array(egressIPs) { json, address in json.string(address) }
                }
                json.field("status", status, first: &first)
                json.raw("}")
                return json.bytes
            }
            ok = body("ok")
            draining = body("draining")
        }
    }

    private let bodies: Bodies
    private let drain: ShutdownDrain
    /// Requests passed on whose answer has not ended yet.
    private var passedOn = 0
    /// Dropping the rest (body, end) of a request answered here.
    private var swallowing = false

    init(bodies: Bodies, drain: ShutdownDrain) {
        self.bodies = bodies
        self.drain = drain
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if passedOn == 0, !swallowing, Self.isHealthz(head) {
                swallowing = true
                answer(head, context: context)
                return
            }
            passedOn += 1
        case .body, .end:
            if swallowing {
                if case .end = part { swallowing = false }
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), passedOn > 0 { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    static func isHealthz(_ head: HTTPRequest) -> Bool {
        guard head.method == .get, let path = head.path else { return false }
        return path == "/healthz" || path.hasPrefix("/healthz?")
    }

    private func answer(_ request: HTTPRequest, context: ChannelHandlerContext) {
        let draining = drain.isDraining
        let body = draining ? bodies.draining : bodies.ok
        var head = HTTPResponse(status: draining ? .serviceUnavailable : .ok)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.server] = "preflight"
        head.headerFields[.date] = HTTPDate.now()
        let close = request.headerFields[.connection]?.lowercased() == "close"
        if close { head.headerFields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if close {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}

/// The `Date` header's IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), made at most once per second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var seconds = time(nil)
        return cache.withLock { cached in
            if cached.second == seconds { return cached.text }
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let text =
                "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
            cached = (seconds, text)
            return text
        }
    }
}
