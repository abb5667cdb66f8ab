import Metrics
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How many HTTP connections are open, against the service's cap.
final class ConnectionCount: Sendable {
    let limit: Int
    /// Whether the count and its guard's closes go to the API's connection metrics (not the health port's).
    let recordsMetrics: Bool
    private let open = Atomic<Int>(0)

    init(limit: Int, recordsMetrics: Bool = true) {
        self.limit = limit
        self.recordsMetrics = recordsMetrics
    }

    /// Takes a place; false (nothing taken) when the service is at its cap.
    func acquire() -> Bool {
        let (_, now) = open.wrappingAdd(1, ordering: .relaxed)
        guard now <= limit else {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        if recordsMetrics { Gauge(label: "preflight_http_connections_open").record(now) }
        return true
    }

    func release() {
        let (_, now) = open.wrappingSubtract(1, ordering: .relaxed)
        if recordsMetrics { Gauge(label: "preflight_http_connections_open").record(now) }
    }

    var current: Int { open.load(ordering: .relaxed) }
}

/// Guards each HTTP connection against clients that hold it without finishing: a connection past the
/// service's cap is closed at once, and a request (its head and whole body) must arrive within
/// `requestTimeout` of the connection opening or of the previous answer, else the connection is closed.
/// A trickle of bytes does not reset that clock, as it would an idle timeout.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let count: ConnectionCount
    private let requestTimeout: TimeAmount
    private var counted = false
    private var timer: Scheduled<Void>?
    private var deadline: NIODeadline?
    /// Requests read whole, and answers written whole, on this connection so far.
    private var requestsEnded = 0
    private var answersEnded = 0

    init(count: ConnectionCount, requestTimeout: TimeAmount) {
        self.count = count
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard count.acquire() else {
            if count.recordsMetrics { Counter(label: "preflight_http_connections_refused_total").increment() }
            context.close(promise: nil)
            return
        }
        counted = true
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        if counted {
            counted = false
            count.release()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            requestsEnded += 1
            // A request answered before its end was read (`GET /healthz`, answered on its head) leaves the clock
            // running for the next one; any other stops it until its answer is written.
            if requestsEnded > answersEnded { disarm() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answersEnded += 1
            if answersEnded >= requestsEnded { arm(context) }
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    /// Starts the clock for the next request. One timer per connection serves every request: arming only moves
    /// the deadline, and a timer that fires before it sets itself again for what is left (a request and its
    /// answer then cost no timer of their own).
    private func arm(_ context: ChannelHandlerContext) {
        deadline = .now() + requestTimeout
        if timer == nil { schedule(context) }
    }

    private func schedule(_ context: ChannelHandlerContext) {
        guard let deadline else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (guardHandler, context) = loopBound.value
            guardHandler.fired(context)
        }
    }

    private func fired(_ context: ChannelHandlerContext) {
        timer = nil
        guard let deadline else { return }
        guard NIODeadline.now() >= deadline else {
            schedule(context)
            return
        }
        self.deadline = nil
        if count.recordsMetrics { Counter(label: "preflight_http_slow_requests_closed_total").increment() }
        context.close(promise: nil)
    }

    /// Stops the clock (a whole request has arrived); the timer, if set, finds no deadline when it fires.
    private func disarm() {
        deadline = nil
    }

    private func cancelTimer() {
        deadline = nil
        timer?.cancel()
        timer = nil
    }
}
