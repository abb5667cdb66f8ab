import Foundation
import Logging
import Testing

@testable import PreflightLogging

@Suite("LineLogHandler: swift-log's StreamLogHandler line, through the batched writer")
struct LineLogHandlerTests {
    struct Refused: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    @Test("a line carries the time, level, label, sorted metadata (logger < provider < event), source and message")
    func lineFormat() {
        let provider = Logger.MetadataProvider { ["trace": "t-1", "company": "from-provider"] }
        var handler = LineLogHandler(
            label: "preflight", writer: LogLineWriter(fd: -1, mode: .immediate), level: .info,
            metadataProvider: provider)
        handler[metadataKey: "hb.request.id"] = "abc"
        handler[metadataKey: "company"] = "from-logger"
        let event = LogEvent(
            level: .notice, message: "request", error: Refused(),
            metadata: ["http.status": .stringConvertible(200), "b": ["x", "y"], "a": ["k": "v"]],
            source: "PreflightServer", file: #fileID, function: #function, line: #line)
        let line = handler.line(for: event, at: "2026-12-07T10:56:43+0000")
        #expect(
            line
                == #"2026-12-07T10:56:43+0000 notice preflight: a=["k": "v"] b=["x", "y"] company=from-provider "#
                + "error.message=connection refused error.type=PreflightLoggingTests.LineLogHandlerTests.Refused "
                + "hb.request.id=abc http.status=200 trace=t-1 [PreflightServer] request\n")
    }

    @Test("no metadata and no label: the colon and source remain, as StreamLogHandler writes them")
    func bareLine() {
        let handler = LineLogHandler(
            label: "", writer: LogLineWriter(fd: -1, mode: .immediate), level: .info, metadataProvider: nil)
        let event = LogEvent(
            level: .info, message: "started", metadata: nil, source: "preflight", file: #fileID,
            function: #function, line: #line)
        #expect(handler.line(for: event, at: "T") == "T info: [preflight] started\n")
    }

    @Test("through a Logger: below the level nothing is written; the timestamp is the local time's form")
    func throughLogger() throws {
        let file = try TemporaryLogFile()
        let writer = LogLineWriter(fd: file.fd, mode: .batched(cadence: .milliseconds(2)))
        var logger = Logger(label: "preflight") { label in
            LineLogHandler(label: label, writer: writer, level: .info, metadataProvider: nil)
        }
        logger[metadataKey: "company"] = "c1"
        logger.debug("hidden")
        logger.info("request", metadata: ["http.path": "/connectors/ping"])
        writer.flush()
        let text = try file.contents()
        let lines = text.split(separator: "\n")
        try #require(lines.count == 1)
        let pattern =
            #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} info preflight: company=c1 http.path=/connectors/ping \[PreflightLoggingTests\] request$/#
        #expect(lines[0].wholeMatch(of: pattern) != nil, "\(lines[0])")
    }
}
