import Foundation
import Synchronization
import Testing

@testable import PreflightStore

/// A private temporary directory, removed afterwards.
private func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("preflight-master-key-tests-\(UUID().uuidString.lowercased())", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

private func mode(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777
}

/// Writes `text` to `path` with `mode`.
private func write(_ text: String, to path: String, mode: Int) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode)], ofItemAtPath: path)
}

private func randomBase64(byteCount: Int) -> String {
    Data((0..<byteCount).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
}

/// Whether a key opens what another sealed.
private func same(_ a: MasterKey, _ b: MasterKey) throws -> Bool {
    let sealed = try SecretSealer(a).seal(Data("probe".utf8), associatedData: "probe")
    return (try? SecretSealer(b).open(sealed, associatedData: "probe")) == Data("probe".utf8)
}

@Suite("Master key")
struct MasterKeyTests {
    static let variable = "PREFLIGHT_MASTER_KEY"

    @Test("the environment variable wins over the file, which is then not touched")
    func environmentWins() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("master.key").path
            let fileText = randomBase64(byteCount: 32)
            try write(fileText + "\n", to: path, mode: 0o600)
            let environmentText = randomBase64(byteCount: 32)

            let key = try MasterKey.load(file: path, environment: [Self.variable: "  \(environmentText)\n"])
            #expect(key.source == .environment(variable: Self.variable))
            #expect(!key.wasCreated)
            #expect(try same(key, try MasterKey(base64: environmentText)))
            #expect(try !same(key, try MasterKey(base64: fileText)))
            #expect(try String(contentsOfFile: path, encoding: .utf8) == fileText + "\n")

            // A custom variable name; and with the variable set, no file is created.
            let missing = directory.appendingPathComponent("never-created.key").path
            let custom = try MasterKey.load(
                environmentVariable: "MY_KEY", file: missing, environment: ["MY_KEY": environmentText])
            #expect(custom.source == .environment(variable: "MY_KEY"))
            #expect(custom.identifier == key.identifier)
            #expect(!FileManager.default.fileExists(atPath: missing))

            // Without the variable, the file is used.
            let fromFile = try MasterKey.load(file: path, environment: ["OTHER": environmentText])
            #expect(fromFile.source == .file(path: path))
            #expect(try same(fromFile, try MasterKey(base64: fileText)))
        }
    }

    @Test(
        "a bad environment value is refused without being repeated",
        arguments: [
            ("", "empty"),
            ("   ", "empty"),
            ("not base64!!", "not valid base64"),
            (Data(repeating: 7, count: 16).base64EncodedString(), "decodes to 16 bytes"),
            (Data(repeating: 7, count: 31).base64EncodedString(), "decodes to 31 bytes"),
            (Data(repeating: 7, count: 33).base64EncodedString(), "decodes to 33 bytes"),
            (Data(repeating: 7, count: 64).base64EncodedString(), "decodes to 64 bytes"),
        ])
    func badEnvironmentValue(_ value: String, _ fragment: String) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("master.key").path
            let error = #expect(throws: StoreError.self) {
                try MasterKey.load(file: path, environment: [Self.variable: value])
            }
            #expect(error?.kind == .invalidInput)
            #expect(error?.message.contains(Self.variable) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty {
                #expect(error?.message.contains(trimmed) == false, "the message repeats the value")
            }
            #expect(
                !FileManager.default.fileExists(atPath: path), "a bad variable must not fall back to creating a file")
        }
    }

    @Test("a missing file is created with mode 0600 and reused afterwards")
    func fileCreated() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("master.key").path
            let created = try MasterKey.load(file: path, environment: [:])
            #expect(created.wasCreated)
            #expect(created.source == .file(path: path))
            #expect(try mode(of: path) == 0o600)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasSuffix("\n"))
            let bytes = try #require(Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(bytes.count == 32)
            #expect(try same(created, try MasterKey(base64: text)))

            let reloaded = try MasterKey.load(file: path, environment: [:])
            #expect(!reloaded.wasCreated)
            #expect(reloaded.identifier == created.identifier)
            #expect(try same(created, reloaded))
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["master.key"],
                "no temporary files left")
        }
    }

    @Test(
        "a key file others may access is refused", arguments: [0o644, 0o640, 0o604, 0o660, 0o666, 0o610, 0o601, 0o620])
    func permissiveFileRefused(_ permissions: Int) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("master.key").path
            let text = randomBase64(byteCount: 32)
            try write(text, to: path, mode: permissions)
            let error = #expect(throws: StoreError.self) { try MasterKey.load(file: path, environment: [:]) }
            #expect(error?.kind == .invalidInput)
            #expect(error?.message.contains(path) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("chmod 600") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(String(permissions, radix: 8)) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(text) == false)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "the file is left alone")
        }
    }

    @Test("owner-only modes are accepted", arguments: [0o600, 0o400, 0o700])
    func ownerOnlyAccepted(_ permissions: Int) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("master.key").path
            let text = randomBase64(byteCount: 32)
            try write(text + "\n", to: path, mode: permissions)
            let key = try MasterKey.load(file: path, environment: [:])
            #expect(!key.wasCreated)
            #expect(try same(key, try MasterKey(base64: text)))
        }
    }

    @Test(
        "a key file of the wrong length or format is refused without showing its contents",
        arguments: [
            (Data(repeating: 9, count: 16).base64EncodedString(), "decodes to 16 bytes"),
            (Data(repeating: 9, count: 48).base64EncodedString(), "decodes to 48 bytes"),
            ("correct horse battery staple", "not valid base64"),
            ("\n", "empty"),
            ("", "empty"),
        ])
    func badFileContents(_ contents: String, _ fragment: String) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("master.key").path
            try write(contents, to: path, mode: 0o600)
            let error = #expect(throws: StoreError.self) { try MasterKey.load(file: path, environment: [:]) }
            #expect(error?.kind == .invalidInput)
            #expect(error?.message.contains(path) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
            let trimmed = contents.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty {
                #expect(error?.message.contains(trimmed) == false, "the message repeats the file's contents")
            }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == contents, "the file is never replaced")
        }
    }

    @Test("instances creating the key at once all get the same key")
    func concurrentCreation() async throws {
        try await withTemporaryDirectory { directory in
            for round in 0..<25 {
                let path = directory.appendingPathComponent("master-\(round).key").path
                let results = Mutex<[Result<MasterKey, StoreError>]>([])
                DispatchQueue.concurrentPerform(iterations: 8) { _ in
                    let result: Result<MasterKey, StoreError>
                    do {
                        result = .success(try MasterKey.load(file: path, environment: [:]))
                    } catch let error as StoreError {
                        result = .failure(error)
                    } catch {
                        result = .failure(StoreError(.databaseError, "unexpected error \(error)"))
                    }
                    results.withLock { $0.append(result) }
                }
                let keys = try results.withLock { try $0.map { try $0.get() } }
                #expect(keys.count == 8)
                #expect(Set(keys.map(\.identifier)).count == 1, "round \(round): instances disagree")
                #expect(keys.filter(\.wasCreated).count == 1, "round \(round): exactly one instance creates the file")
                #expect(try mode(of: path) == 0o600)
                let reloaded = try MasterKey.load(file: path, environment: [:])
                #expect(reloaded.identifier == keys[0].identifier)
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
                !$0.hasSuffix(".key") || $0.hasPrefix(".")
            }
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        }
    }

    @Test("a missing directory or a directory in place of the file is a clear error")
    func unusablePaths() async throws {
        try await withTemporaryDirectory { directory in
            let nowhere = directory.appendingPathComponent("no/such/dir/master.key").path
            let missing = #expect(throws: StoreError.self) { try MasterKey.load(file: nowhere, environment: [:]) }
            #expect(missing?.message.contains("does not exist") == true, "\(missing?.message ?? "")")

            let folder = directory.appendingPathComponent("folder.key")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            let notFile = #expect(throws: StoreError.self) { try MasterKey.load(file: folder.path, environment: [:]) }
            #expect(notFile?.message.contains("not a regular file") == true, "\(notFile?.message ?? "")")

            let none = #expect(throws: StoreError.self) { try MasterKey.load(file: "", environment: [:]) }
            #expect(none?.message.contains(Self.variable) == true, "\(none?.message ?? "")")
        }
    }

    @Test("printing a key never shows key material")
    func printing() throws {
        let text = randomBase64(byteCount: 32)
        let key = try MasterKey(base64: text)
        var dumped = ""
        dump(key, to: &dumped)
        for shown in [key.description, String(describing: key), String(reflecting: key), "\(key)", dumped] {
            #expect(!shown.contains(text), "\(shown)")
            #expect(!shown.contains(String(text.prefix(12))), "\(shown)")
            #expect(shown.contains(key.identifier), "\(shown)")
        }
        #expect(key.identifier.hasPrefix("mk_"))
        #expect(key.identifier.count == 19)
        #expect(try MasterKey(base64: text).identifier == key.identifier)
        #expect(MasterKey.generate().identifier != MasterKey.generate().identifier)
    }
}
