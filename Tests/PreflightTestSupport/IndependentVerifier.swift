import Foundation

/// Re-checks what a scripted peer recorded with code that is not Preflight's: `scripts/peers/verify.py`
/// (SigV4 recomputed with Python's `hmac`/`hashlib`, RS256 JWTs verified with `cryptography` after a
/// strict base64url decode, MongoDB messages decoded with pymongo's `bson`, Redis commands parsed with
/// redis-py). A peer that checked our signatures with our own signer would accept whatever we got wrong
/// the same way; this one would not.
///
/// ```swift
/// let results = try await IndependentVerifier.run(.sigv4, ["secret": secret, "requests": requests])
/// #expect(results.allSatisfy { $0["ok"] as? Bool == true })
/// ```
public enum IndependentVerifier {
    /// What to check; the names are `verify.py`'s.
    public enum Kind: String, Sendable {
        case sigv4, jwt, mongo, resp
    }

    /// Why the verifier could not give verdicts (not a verdict itself: a rejection is a result with `ok` false).
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The script, found from this file's place in the repository.
    public static let script: String = {
        let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return support.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/peers/verify.py").path
    }()

    /// Runs `verify.py KIND` on `input` (a JSON object) and returns its `results`, one dictionary per item
    /// checked, each with `ok` (Bool) and either `problem` or what the independent decoder read.
    public static func run(_ kind: Kind, _ input: [String: Any]) async throws -> [[String: Any]] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("preflight-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("input.json")
        try JSONSerialization.data(withJSONObject: input).write(to: inputURL)
        let result = try await python([script, kind.rawValue, inputURL.path])
        guard result.status == 0 else {
            throw Failure(
                description:
                    "verify.py \(kind.rawValue) exited \(result.status) (pip install -r scripts/peers/requirements.txt?): \(result.stderr.suffix(2000))"
            )
        }
        let data = Data(result.stdout.utf8)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let results = object["results"] as? [[String: Any]]
        else {
            throw Failure(description: "verify.py \(kind.rawValue) answered \(String(decoding: data, as: UTF8.self))")
        }
        return results
    }

    /// Runs `python3 arguments...` to its end without holding a thread while it runs; returns its exit
    /// status and what it printed (through files, so a large output cannot fill a pipe and stall it).
    public static func python(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("preflight-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("output.txt")
        let errorURL = directory.appendingPathComponent("error.txt")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? errors.close()
        }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (
            status, (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        )
    }

    /// What `verify.py jwt` made of one token and of two spoiled copies of it.
    public struct JWTVerdicts {
        /// The token as sent: `ok`, `header`, `claims`, `keyFingerprint` ("SHA256:..." of the key), or `problem`.
        public var sent: [String: Any]
        /// The token with one character in the middle of its signature changed (must be "bad signature").
        public var tamperedSignature: [String: Any]
        /// The token with `=` padding on its claims segment (must be refused: base64url without padding).
        public var paddedClaims: [String: Any]

        /// The token's claims, when it was accepted.
        public var claims: [String: Any] { sent["claims"] as? [String: Any] ?? [:] }
        /// The token's header, when it was accepted.
        public var header: [String: Any] { sent["header"] as? [String: Any] ?? [:] }
    }

    /// Verifies `token` (RS256) against the public half of `keyPEM` (a public or private key's PEM) with
    /// Python's `cryptography`, and checks that spoiled copies are refused.
    public static func jwt(_ token: String, keyPEM: String) async throws -> JWTVerdicts {
        var segments = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard segments.count == 3, !segments[2].isEmpty else {
            throw Failure(description: "not a JWT: \(segments.count) segments")
        }
        let original = segments
        var signature = Array(segments[2])
        let middle = signature.count / 2
        signature[middle] = signature[middle] == "A" ? "B" : "A"
        segments[2] = String(signature)
        let tampered = segments.joined(separator: ".")
        segments = original
        segments[1] += segments[1].count % 4 == 0 ? "====" : String(repeating: "=", count: 4 - segments[1].count % 4)
        let padded = segments.joined(separator: ".")
        let results = try await run(.jwt, ["publicKeyPEM": keyPEM, "tokens": [token, tampered, padded]])
        guard results.count == 3 else { throw Failure(description: "verify.py jwt gave \(results.count) results") }
        return JWTVerdicts(sent: results[0], tamperedSignature: results[1], paddedClaims: results[2])
    }

    /// A recorded HTTP request in the form `verify.py sigv4` reads.
    public static func json(_ request: ScriptedHTTPServer.Request) -> [String: Any] {
        [
            "method": request.method, "path": request.path,
            "headers": request.headers.map { [$0.name, $0.value] },
            "body": Data(request.body).base64EncodedString(),
        ]
    }
}
