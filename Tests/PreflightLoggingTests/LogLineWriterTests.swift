import Foundation
import Testing

@testable import PreflightLogging

@Suite("LogLineWriter: whole lines, in order, batched, bounded")
struct LogLineWriterTests {
    @Test("immediate mode: each line is in the file when write returns, one write(2) each")
    func immediate() throws {
        let file = try TemporaryLogFile()
        let writer = LogLineWriter(fd: file.fd, mode: .immediate)
        writer.write(Array("one\n".utf8))
        #expect(try file.contents() == "one\n")
        writer.write(Array("two\n".utf8))
        #expect(try file.contents() == "one\ntwo\n")
        #expect(writer.batchesWritten == 2)
    }

    @Test("batched mode: 4 threads x 5,000 lines arrive whole, each thread's in order, in far fewer writes")
    func batchedOrder() async throws {
        let file = try TemporaryLogFile()
        let writer = LogLineWriter(fd: file.fd, mode: .batched(cadence: .milliseconds(2)))
        let threads = 4
        let perThread = 5_000
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<threads {
                group.addTask {
                    for number in 0..<perThread { writer.write(Array("t\(thread) \(number)\n".utf8)) }
                }
            }
        }
        writer.flush()
        let lines = try file.contents().split(separator: "\n")
        #expect(lines.count == threads * perThread)
        var next = [Int](repeating: 0, count: threads)
        for line in lines {
            let parts = line.split(separator: " ")
            try #require(parts.count == 2, "a torn line: \(line)")
            let thread = Int(parts[0].dropFirst())!
            #expect(Int(parts[1]) == next[thread], "thread \(thread) out of order at \(line)")
            next[thread] += 1
        }
        #expect(writer.batchesWritten < threads * perThread / 10, "\(writer.batchesWritten) writes")
    }

    @Test("batched mode: a line given while the writer is idle is written without a flush")
    func idleLineWritten() async throws {
        let file = try TemporaryLogFile()
        let writer = LogLineWriter(fd: file.fd, mode: .batched(cadence: .milliseconds(2)))
        writer.write(Array("alone\n".utf8))
        var text = ""
        for _ in 0..<500 where text.isEmpty {
            text = try file.contents()
            if text.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(text == "alone\n")
    }

    @Test("the buffer is bounded: past the limit the caller writes what is waiting itself")
    func bounded() throws {
        let file = try TemporaryLogFile()
        // The thread writes its first batch, then waits an hour: everything after is the callers' to write.
        let writer = LogLineWriter(fd: file.fd, mode: .batched(cadence: .seconds(3600)), limit: 100)
        let line = Array("0123456789abcdefghi\n".utf8)
        for _ in 0..<50 { writer.write(line) }
        let written = try file.contents().utf8.count
        #expect(written >= 50 * line.count - 100, "\(written) bytes in the file")
        writer.flush()
        #expect(try file.contents().utf8.count == 50 * line.count)
    }
}
