import Crypto
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The 256-bit key that seals secrets at rest (see ``SecretSealer``).
///
/// Load it with ``load(environmentVariable:file:environment:logger:)``. Printing or dumping a key never
/// shows key material, only ``identifier``.
public struct MasterKey: Sendable {
    /// Where a key came from.
    public enum Source: Sendable, Equatable {
        /// The named environment variable.
        case environment(variable: String)
        /// A key file (read, or created by this call when ``MasterKey/wasCreated``).
        case file(path: String)
        /// Generated in memory by ``MasterKey/generate()`` (tests, tools); lost when the process ends.
        case memory
    }

    /// The length of a key, in bytes.
    public static let byteCount = 32
    /// The variable ``load(environmentVariable:file:environment:logger:)`` reads by default.
    public static let defaultEnvironmentVariable = "PREFLIGHT_MASTER_KEY"

    let symmetricKey: SymmetricKey
    /// Where the key came from.
    public let source: Source
    /// `true` when this call created the key file (there was no key yet): back the file up, since sealed
    /// secrets cannot be decrypted without it.
    public let wasCreated: Bool
    /// A short, non-secret identifier of the key (`mk_` + 16 hex digits of a hash of it), for logs: two
    /// instances sharing a database must show the same identifier.
    public let identifier: String

    init(bytes: Data, source: Source, wasCreated: Bool) throws {
        guard bytes.count == Self.byteCount else {
            throw StoreError(
                .invalidInput, "A master key must be exactly \(Self.byteCount) bytes (got \(bytes.count)).")
        }
        self.symmetricKey = SymmetricKey(data: bytes)
        self.source = source
        self.wasCreated = wasCreated
        var material = Data("preflight-master-key-id:".utf8)
        material.append(bytes)
        self.identifier = "mk_" + SHA256.hash(data: material).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random key that exists only in memory (for tests and tools).
    public static func generate() -> MasterKey {
        try! MasterKey(bytes: randomBytes(), source: .memory, wasCreated: false)
    }

    /// A key from its base64 text (exactly 32 bytes once decoded).
    ///
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/invalidInput`` (the message never repeats the text).
    public init(base64: String, source: Source = .memory) throws {
        self = try Self.decode(base64, origin: "The master key", source: source, wasCreated: false)
    }

    /// Finds the master key:
    ///
    /// 1. the environment variable `environmentVariable`, when set: base64 of exactly 32 bytes;
    /// 2. otherwise the file at `file`: base64 of exactly 32 bytes, refused when its mode lets the group or
    ///    others read or write it;
    /// 3. otherwise (no such file) a new random key written to `file` with mode 0600. Creation is atomic
    ///    (the file appears complete or not at all and is never replaced), so instances starting at once
    ///    all end up with the same key. The result then has ``wasCreated`` set, and `logger` gets a warning.
    ///
    /// - Parameter environment: The environment to read; the process's by default.
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/invalidInput`` with a message that names the
    ///   variable or file and the problem, but never contains key material.
    public static func load(
        environmentVariable: String = defaultEnvironmentVariable,
        file: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger? = nil
    ) throws -> MasterKey {
        if let value = environment[environmentVariable] {
            let key = try decode(
                value, origin: "The environment variable \(environmentVariable)",
                source: .environment(variable: environmentVariable), wasCreated: false
            )
            logger?.info(
                "Using the master key from the environment",
                metadata: [
                    "variable": .string(environmentVariable), "master_key": .string(key.identifier),
                ])
            return key
        }
        guard !file.isEmpty else {
            throw StoreError(
                .invalidInput, "No master key: \(environmentVariable) is not set and no key file path was given.")
        }
        if let text = try KeyFile.readSettled(file) {
            let key = try decode(
                text, origin: "The master key file \(file)", source: .file(path: file), wasCreated: false)
            logger?.info(
                "Using the master key file", metadata: ["path": .string(file), "master_key": .string(key.identifier)])
            return key
        }
        let bytes = randomBytes()
        let text = bytes.base64EncodedString()
        switch try KeyFile.createExclusively(file, contents: Data((text + "\n").utf8)) {
        case .created:
            let key = try MasterKey(bytes: bytes, source: .file(path: file), wasCreated: true)
            logger?.warning(
                "Created a new master key file; back it up: sealed SSH keys cannot be decrypted without it",
                metadata: [
                    "path": .string(file), "master_key": .string(key.identifier),
                ])
            return key
        case .alreadyExists:
            // Another instance created it first: use its key.
            guard let existing = try KeyFile.readSettled(file) else {
                throw StoreError(
                    .invalidInput,
                    "The master key file \(file) exists but could not be opened (a dangling symbolic link, or it was removed meanwhile)."
                )
            }
            let key = try decode(
                existing, origin: "The master key file \(file)", source: .file(path: file), wasCreated: false)
            logger?.info(
                "Using the master key file another instance has just created",
                metadata: [
                    "path": .string(file), "master_key": .string(key.identifier),
                ])
            return key
        }
    }

    private static func decode(_ text: String, origin: String, source: Source, wasCreated: Bool) throws -> MasterKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StoreError(
                .invalidInput,
                "\(origin) is empty; it must hold the base64 of \(byteCount) random bytes (for example from `openssl rand -base64 32`)."
            )
        }
        guard let bytes = Data(base64Encoded: trimmed) else {
            throw StoreError(
                .invalidInput,
                "\(origin) is not valid base64; it must hold the base64 of \(byteCount) random bytes (for example from `openssl rand -base64 32`)."
            )
        }
        guard bytes.count == byteCount else {
            throw StoreError(
                .invalidInput,
                "\(origin) decodes to \(bytes.count) bytes; a master key must be exactly \(byteCount) bytes (for example from `openssl rand -base64 32`)."
            )
        }
        return try MasterKey(bytes: bytes, source: source, wasCreated: wasCreated)
    }

    private static func randomBytes() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }
}

extension MasterKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The identifier and source; never key material.
    public var description: String { "MasterKey(\(identifier), \(source))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["identifier": identifier, "source": source]) }
}

/// POSIX file handling for the key file: permission checks on read, atomic no-replace creation.
private enum KeyFile {
    /// The most a key file is allowed to hold (a key is 45 characters of base64 and a newline).
    static let maximumSize = 4096

    enum Creation {
        case created
        case alreadyExists
    }

    /// Like `read`, but gives an instance that has just created the file and not yet written it (only
    /// possible where hard links are unavailable, see `createExclusively`) up to 200 ms. Only an empty
    /// file is waited for: content of the wrong shape is refused at once by the caller.
    static func readSettled(_ path: String) throws -> String? {
        var text = try read(path)
        for _ in 0..<10 {
            guard let current = text, current.isEmpty else { break }
            usleep(20_000)
            text = try read(path)
        }
        return text
    }

    /// The file's text, or `nil` when there is no file at `path`.
    static func read(_ path: String) throws -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw StoreError(.invalidInput, "Could not open the master key file \(path): \(reason(code)).")
        }
        defer { _ = close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw StoreError(.invalidInput, "Could not inspect the master key file \(path): \(reason(errno)).")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StoreError(.invalidInput, "The master key file \(path) is not a regular file.")
        }
        let mode = Int(info.st_mode & 0o7777)
        guard mode & 0o077 == 0 else {
            throw StoreError(
                .invalidInput,
                """
                The master key file \(path) has mode \(String(mode, radix: 8)), which lets its group or others access it; \
                refusing to use it. Restrict it with `chmod 600 \(path)` (and consider replacing the key if others may have read it).
                """)
        }
        var contents = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = buffer.withUnsafeMutableBytes { posixRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError(.invalidInput, "Could not read the master key file \(path): \(reason(errno)).")
            }
            if count == 0 { break }
            contents.append(contentsOf: buffer[0..<count])
            guard contents.count <= maximumSize else {
                throw StoreError(
                    .invalidInput,
                    "The master key file \(path) is larger than \(maximumSize) bytes; it must hold only the base64 of \(MasterKey.byteCount) bytes."
                )
            }
        }
        guard let text = String(bytes: contents, encoding: .utf8) else {
            throw StoreError(
                .invalidInput,
                "The master key file \(path) is not text; it must hold the base64 of \(MasterKey.byteCount) bytes.")
        }
        return text
    }

    /// Writes `contents` to `path` with mode 0600 unless the file exists. The file appears with its whole
    /// contents at once: the key is written and synced to a private temporary file (`O_CREAT|O_EXCL`) that
    /// is then hard-linked to `path`, which fails if `path` exists and so never replaces another instance's
    /// key. On a file system without hard links, `path` itself is created with `O_CREAT|O_EXCL`.
    static func createExclusively(_ path: String, contents: Data) throws -> Creation {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.lowercased()).tmp").path
        do {
            try writeNew(
                temporary, contents: contents, purpose: "create the master key file \(path)", directory: directory)
        } catch is ExistsError {
            throw StoreError(.invalidInput, "Could not create the master key file \(path): its temporary file exists.")
        }
        defer { _ = unlink(temporary) }
        if link(temporary, path) == 0 {
            syncDirectory(directory)
            return .created
        }
        let code = errno
        if code == EEXIST { return .alreadyExists }
        guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EXDEV || code == EMLINK else {
            throw StoreError(.invalidInput, "Could not create the master key file \(path): \(reason(code)).")
        }
        // No hard links here: create the file itself exclusively.
        do {
            try writeNew(path, contents: contents, purpose: "create the master key file \(path)", directory: directory)
        } catch is ExistsError {
            return .alreadyExists
        }
        syncDirectory(directory)
        return .created
    }

    private struct ExistsError: Error {}

    /// Creates `path` (mode 0600, `O_EXCL`), writes `contents` and syncs it. Throws `ExistsError` if it exists.
    private static func writeNew(_ path: String, contents: Data, purpose: String, directory: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { throw ExistsError() }
            if code == ENOENT, !FileManager.default.fileExists(atPath: directory) {
                throw StoreError(.invalidInput, "Could not \(purpose): the directory \(directory) does not exist.")
            }
            throw StoreError(.invalidInput, "Could not \(purpose): \(reason(code)).")
        }
        var failure: Int32?
        if fchmod(descriptor, 0o600) != 0 { failure = errno }
        if failure == nil {
            let bytes = [UInt8](contents)
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes {
                    posixWrite(descriptor, $0.baseAddress! + written, bytes.count - written)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                written += count
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = errno }
        _ = close(descriptor)
        if let failure {
            _ = unlink(path)
            throw StoreError(.invalidInput, "Could not \(purpose): \(reason(failure)).")
        }
    }

    /// Makes the new directory entry durable; best effort.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }

    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

#if canImport(Glibc)
    private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        Glibc.read(fd, buffer, count)
    }
    private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        Glibc.write(fd, buffer, count)
    }
#else
    private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        Darwin.read(fd, buffer, count)
    }
    private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        Darwin.write(fd, buffer, count)
    }
#endif
