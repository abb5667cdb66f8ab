import Foundation
import Testing

/// The binary run by an unprivileged user, as a container with `runAsNonRoot` runs it. These machines run the tests
/// as root, which hid a socket option only root may set: every dial failed with `Permission denied` otherwise.
@Suite("preflight run by an unprivileged user")
struct CLIUnprivilegedTests {
    @Test("a ping by uid 65534 dials: a refused port is `refused`, not `Permission denied`")
    func unprivilegedPingDials() throws {
        let port = try closedLoopbackPort()
        var arguments = [
            "ping", "--type", "postgresql", "--set", "host=127.0.0.1", "--set", "port=\(port)", "--set", "user=u",
            "--set", "password=p", "--database", "d", "--allow-cidr", "127.0.0.0/8", "--json",
        ]
        var executable = CLI.binary
        var scratch: URL?
        if getuid() == 0 {
            // The binary is copied where uid 65534 can run it, whatever the permissions of the checkout's path.
            let directory = try CLI.scratchDirectory()
            scratch = directory
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            let copy = directory.appendingPathComponent("preflight")
            try FileManager.default.copyItem(at: CLI.binary, to: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", copy.path] + arguments
            executable = URL(fileURLWithPath: "/usr/bin/setpriv")
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("refused the connection"), "\(text)")
        #expect(!text.contains("Permission denied"), "\(text)")
    }

    /// A loopback port nothing listens on (bound, then closed).
    private func closedLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
