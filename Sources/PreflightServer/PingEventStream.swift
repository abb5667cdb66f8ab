import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PreflightCore

/// `POST /connectors/ping` with `Accept: text/event-stream`: the ping's steps as Server-Sent Events while
/// it runs, then the answer. Without that header nothing changes (Artie's clients keep 204/200/400).
///
/// Events (each `data` one JSON object, redacted like the report):
/// - `step_started`: `{"name", "activity"}`, when a step begins;
/// - `step`: a step as it will be in the report, when it ends (or is recorded, e.g. `skipped`);
/// - `check`: a readiness check;
/// - `report`: last, `{"report"}` plus `error` when the ping failed: the same object as the 200 body.
///
/// A request that is refused before the ping starts (400, 401, 413, 429) gets its usual JSON answer,
/// not a stream. A comment line is written every second while nothing else is: it keeps proxies from
/// timing the stream out, and a client that went away is noticed by the failed write, which cancels
/// the ping (its sockets closed, its in-flight place given back).
enum PingEventStream {
    /// Whether the client asked for a stream.
    static func isRequested(_ request: Request) -> Bool {
        request.headers[values: .accept].contains { $0.lowercased().contains("text/event-stream") }
    }

    /// What the ping task hands to the response.
    enum Item: Sendable {
        case event(PingEvent)
        case finished(PingReport)
        case refused(APIError)
    }

    /// Runs `ping` in a task whose events and outcome feed the response. Answers the usual JSON error
    /// when the ping is refused before it starts; otherwise a 200 event stream.
    static func respond(
        heartbeat: Duration = .seconds(1),
        _ ping:
            @escaping @Sendable (_ events: @escaping @Sendable (PingEvent) -> Void) async throws(APIError) ->
            PingReport
    ) async -> Response {
        let (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        let task = Task {
            do throws(APIError) {
                let report = try await ping { continuation.yield(.event($0)) }
                continuation.yield(.finished(report))
            } catch {
                continuation.yield(.refused(error))
            }
            continuation.finish()
        }
        var iterator = items.makeAsyncIterator()
        guard let first = await iterator.next() else { return APIError.internalError.hummingbirdResponse }
        if case .refused(let error) = first { return error.hummingbirdResponse }
        let rest = UncheckedBox(iterator)
        let body = ResponseBody { writer in
            var iterator = rest.value
            try await withTaskCancellationHandler {
                try await writer.write(encode(first))
                try await pump(&iterator, to: &writer, heartbeat: heartbeat, task: task)
            } onCancel: {
                task.cancel()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body)
    }

    /// What `pump` waits for: the ping's next item, or a heartbeat.
    private enum Next: Sendable {
        case item(Item)
        case tick
    }

    /// Writes items as they come, and a heartbeat comment when none came for `heartbeat`; a failed
    /// write (the client went away) cancels the ping.
    private static func pump(
        _ iterator: inout AsyncStream<Item>.AsyncIterator, to writer: inout some ResponseBodyWriter,
        heartbeat: Duration, task: Task<Void, Never>
    ) async throws {
        let (merged, continuation) = AsyncStream.makeStream(of: Next.self)
        let items = UncheckedBox(iterator)
        let feeder = Task {
            var iterator = items.value
            while let item = await iterator.next() { continuation.yield(.item(item)) }
            continuation.finish()
        }
        let ticker = Task {
            while true {
                try await Task.sleep(for: heartbeat)
                continuation.yield(.tick)
            }
        }
        defer {
            feeder.cancel()
            ticker.cancel()
            continuation.finish()
        }
        do {
            for await next in merged {
                switch next {
                case .item(let item):
                    try await writer.write(encode(item))
                    if case .finished = item { return }
                case .tick:
                    try await writer.write(ByteBuffer(string: ": waiting\n\n"))
                }
            }
        } catch {
            task.cancel()
            throw error
        }
    }

    /// One SSE message.
    static func encode(_ item: Item) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let name: String
        let data: Data?
        switch item {
        case .event(.stepStarted(let step, let activity)):
            name = "step_started"
            data = try? encoder.encode(["name": step, "activity": activity])
        case .event(.stepEnded(let step)):
            name = "step"
            data = try? encoder.encode(step)
        case .event(.check(let check)):
            name = "check"
            data = try? encoder.encode(check)
        case .finished(let report):
            name = "report"
            data = try? encoder.encode(PingRoute.PingAnswer(error: report.ok ? nil : report.errorText, report: report))
        case .refused(let error):
            name = "error"
            data = try? encoder.encode(["error": error.message])
        }
        // JSON from JSONEncoder has no raw line breaks, so one `data:` line holds it whole.
        let json = data.map { String(decoding: $0, as: UTF8.self) } ?? #"{"error":"could not encode the event"}"#
        return ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
    }
}

/// Carries a value that is used by one task at a time across a task boundary.
struct UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
