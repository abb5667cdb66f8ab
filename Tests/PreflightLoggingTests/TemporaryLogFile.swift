import Foundation

/// A file under the temporary directory, open for writing, removed when the value goes.
final class TemporaryLogFile {
    let path: String
    let fd: Int32

    init() throws {
        path = NSTemporaryDirectory() + "preflight-log-\(UUID().uuidString).log"
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileNoSuchFile) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    func contents() throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }
}
