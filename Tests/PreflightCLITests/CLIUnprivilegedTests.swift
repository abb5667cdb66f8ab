import Foundation
import PreflightTestSupport
import Testing

/// The binary run by an unprivileged user, as a container with `runAsNonRoot` runs it. These machines run the tests
/// as root, which hid a socket option only root may set: every dial failed with `Permission denied` otherwise.
@Suite("preflight run by an unprivileged user")
struct CLIUnprivilegedTests {
    @Test("a ping by uid 65534 dials: a refused port is `refused`, not `Permission denied`")
    func unprivilegedPingDials() throws {
        var arguments = [
            "ping", "--type", "postgresql", "--set", "host=127.0.0.1", "--set", "port=\(closedPort())", "--set",
            "user=u", "--set", "password=p", "--database", "d", "--allow-cidr", "127.0.0.0/8", "--json",
        ]
        var launcher: URL?
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
            launcher = URL(fileURLWithPath: "/usr/bin/setpriv")
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let result = try CLI.run(arguments, executable: launcher)
        let text = result.stdout + result.stderr
        #expect(text.contains("refused the connection"), "\(text)")
        #expect(!text.contains("Permission denied"), "\(text)")
    }
}
