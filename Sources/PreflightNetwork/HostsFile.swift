import Foundation
import NIOCore

/// The entries of an `/etc/hosts` file (hosts(5)): an IP address, a canonical name and aliases per line;
/// `#` starts a comment. Names match case-insensitively and with or without a trailing dot. Parsing is pure.
public struct HostsFile: Sendable, Equatable {
    /// Every address listed for a name (lowercased, no trailing dot), in the file's order, without repeats.
    public private(set) var addresses: [String: [String]] = [:]

    public init() {}

    /// Reads the text of a hosts file. Lines whose first word is not an IP address are skipped, as are
    /// scoped IPv6 addresses (`fe80::1%eth0`), which cannot name a host to connect to here.
    public static func parse(_ text: String) -> HostsFile {
        var file = HostsFile()
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line =
                rawLine.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: { $0 == "#" }).first
                ?? ""
            let words = line.split(whereSeparator: { $0.isWhitespace })
            guard words.count >= 2, let address = IPAddress(String(words[0])) else { continue }
            let shown = address.description
            for word in words.dropFirst() {
                let name = Self.key(String(word))
                guard !name.isEmpty else { continue }
                if !(file.addresses[name]?.contains(shown) ?? false) { file.addresses[name, default: []].append(shown) }
            }
        }
        return file
    }

    /// The file at `path`, read now; a missing or unreadable file has no entries.
    public static func read(path: String) -> HostsFile {
        parse((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    /// The addresses listed for `name`, or an empty list.
    public func lookup(_ name: String) -> [String] { addresses[Self.key(name)] ?? [] }

    static func key(_ name: String) -> String {
        var name = name.lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        return name
    }
}
