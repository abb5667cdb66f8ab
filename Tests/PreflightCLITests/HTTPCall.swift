import Foundation

/// One HTTP request made with `curl`, as an operator would from a shell; the answer's status, headers
/// and body. A request that got no whole answer (connection refused or reset, the server killed
/// mid-request or mid-answer) has status 0.
struct HTTPCall: Sendable {
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    var method: String
    var url: String
    var key: String?
    var body: String?
    /// More request headers, as `Name: value`.
    var headers: [String] = []

    init(_ method: String, _ url: String, key: String? = nil, body: String? = nil) {
        self.method = method
        self.url = url
        self.key = key
        self.body = body
    }

    /// Runs the request to its end (blocking the calling thread; use ``answer()`` from async code).
    func run(timeout: Int = 120) throws -> Answer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-http-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let headerFile = directory.appendingPathComponent("headers")
        let bodyFile = directory.appendingPathComponent("body")
        var arguments = [
            "-sS", "-X", method, "--max-time", "\(timeout)", "-D", headerFile.path, "-o", bodyFile.path,
            "-w", "%{http_code}",
        ]
        if let key { arguments += ["-H", "Authorization: Bearer \(key)"] }
        for header in headers { arguments += ["-H", header] }
        if let body {
            let requestFile = directory.appendingPathComponent("request")
            try Data(body.utf8).write(to: requestFile)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(requestFile.path)"]
        }
        arguments.append(url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // curl fails (non-zero) on an answer cut off midway (a status line, then the connection reset):
        // that is no answer either.
        let status =
            process.terminationStatus == 0
            ? Int(String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespaces)) ?? 0 : 0
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
        for line in headerText.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: (try? Data(contentsOf: bodyFile)) ?? Data())
    }

    /// Runs the request on a thread of its own, so a long one does not hold a thread of the task pool.
    func answer(timeout: Int = 120) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try self.run(timeout: timeout) })
            }
        }
    }
}
