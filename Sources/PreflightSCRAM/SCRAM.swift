import Crypto
import Foundation
import _CryptoExtras

/// The SCRAM mechanisms: MongoDB speaks both through `saslStart` / `saslContinue`, PostgreSQL SCRAM-SHA-256.
public enum SCRAMMechanism: String, Sendable, CaseIterable {
    case sha1 = "SCRAM-SHA-1"
    case sha256 = "SCRAM-SHA-256"
}

/// Why a SCRAM conversation cannot go on. `reason` never contains the password.
public struct SCRAMError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The password cannot be prepared (SASLprep refused a character).
        case password
        /// The server's message is malformed or breaks the protocol (nonce, iteration count).
        case protocolViolation
        /// The server's signature does not match: it does not know the password, or something is in between.
        case serverSignature
        /// The server sent `e=...` in its final message.
        case serverError(String)
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}

/// The client side of SCRAM (RFC 5802; SCRAM-SHA-256 in RFC 7677) as MongoDB and PostgreSQL use it (MongoDB
/// Authentication specification): no channel binding ("n,,"), the user name escaped ("=" as "=2C"...),
/// for SCRAM-SHA-1 the password replaced by the hex MD5 of "user:mongo:password", for SCRAM-SHA-256
/// the password SASLprep'd. Pure: messages in, messages out; the caller sends them.
public struct SCRAMClient: Sendable {
    /// The fewest iterations a server may ask for (the specification's floor).
    public static let minimumIterations = 4096
    /// The most iterations this client computes: a hostile server must not make a ping burn seconds of CPU.
    public static let maximumIterations = 1_000_000

    public let mechanism: SCRAMMechanism
    public let username: String
    public let clientNonce: String
    /// The fewest iterations this client accepts: MongoDB's floor by default; PostgreSQL 16 lets an
    /// administrator choose fewer (`scram_iterations`), and its clients accept any count from 1.
    public var iterationFloor = SCRAMClient.minimumIterations
    private let password: [UInt8]
    private var authMessage: String?
    private var serverSignature: [UInt8]?

    /// A client for MongoDB: prepares the password as the mechanism requires.
    public init(mechanism: SCRAMMechanism, username: String, password: String, clientNonce: String? = nil)
        throws(SCRAMError)
    {
        let prepared: String
        switch mechanism {
        case .sha1:
            // MongoDB's SCRAM-SHA-1 uses the MONGODB-CR digest as the password.
            let digest = Insecure.MD5.hash(data: Array("\(username):mongo:\(password)".utf8))
            prepared = digest.map { String(format: "%02x", $0) }.joined()
        case .sha256:
            guard let saslPrepped = SASLprep.prepare(password) else {
                throw SCRAMError(
                    .password,
                    "the password contains a character SASLprep prohibits (a control or private-use character)")
            }
            prepared = saslPrepped
        }
        self.init(mechanism: mechanism, username: username, preparedPassword: prepared, clientNonce: clientNonce)
    }

    /// A client that uses `preparedPassword` as is (the RFC test vectors use the bare password with SHA-1).
    public init(mechanism: SCRAMMechanism, username: String, preparedPassword: String, clientNonce: String? = nil) {
        self.mechanism = mechanism
        self.username = username
        self.password = Array(preparedPassword.utf8)
        self.clientNonce = clientNonce ?? Self.makeNonce()
    }

    /// 24 random bytes, base64 (never contains ',').
    public static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    /// The user name with '=' and ',' escaped (RFC 5802 section 5.1).
    public static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    /// "n=user,r=nonce"
    public var clientFirstMessageBare: String { "n=\(Self.escape(username)),r=\(clientNonce)" }

    /// "n,,n=user,r=nonce": the payload of `saslStart`.
    public var clientFirstMessage: String { "n,," + clientFirstMessageBare }

    /// Reads the server-first message and returns the client-final message (with the proof).
    public mutating func clientFinalMessage(serverFirst: String) throws(SCRAMError) -> String {
        let fields = Self.attributes(serverFirst)
        if serverFirst.hasPrefix("m=") {
            throw SCRAMError(.protocolViolation, "the server requires a SCRAM extension this client does not know")
        }
        guard let nonce = fields["r"], let saltText = fields["s"], let iterationText = fields["i"] else {
            throw SCRAMError(
                .protocolViolation, "the server's first SCRAM message lacks the nonce, salt or iteration count")
        }
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw SCRAMError(
                .protocolViolation, "the server's nonce does not extend ours (a replayed or forged SCRAM message)")
        }
        guard let salt = Data(base64Encoded: saltText), !salt.isEmpty else {
            throw SCRAMError(.protocolViolation, "the server's salt is not base64")
        }
        guard let iterations = Int(iterationText) else {
            throw SCRAMError(.protocolViolation, "the server's iteration count is not a number")
        }
        guard iterations >= iterationFloor else {
            throw SCRAMError(
                .protocolViolation,
                "the server asks for \(iterations) iterations, fewer than the minimum of \(iterationFloor)")
        }
        guard iterations <= Self.maximumIterations else {
            throw SCRAMError(
                .protocolViolation,
                "the server asks for \(iterations) iterations, more than the \(Self.maximumIterations) this client computes"
            )
        }
        let withoutProof = "c=biws,r=\(nonce)"
        let message = "\(clientFirstMessageBare),\(serverFirst),\(withoutProof)"
        let keys: (proof: [UInt8], serverSignature: [UInt8])
        switch mechanism {
        case .sha1:
            keys = Self.compute(
                Insecure.SHA1.self, password: password, salt: Array(salt), iterations: iterations, authMessage: message)
        case .sha256:
            keys = Self.compute(
                SHA256.self, password: password, salt: Array(salt), iterations: iterations, authMessage: message)
        }
        authMessage = message
        serverSignature = keys.serverSignature
        return "\(withoutProof),p=\(Data(keys.proof).base64EncodedString())"
    }

    /// Checks the server-final message ("v=signature"); throws when it is an error or does not verify.
    public func verifyServerFinal(_ message: String) throws(SCRAMError) {
        let fields = Self.attributes(message)
        if let error = fields["e"] {
            throw SCRAMError(
                .serverError(error), "the server ended the SCRAM exchange with an error: \(error.prefix(100))")
        }
        guard let expected = serverSignature else {
            throw SCRAMError(.protocolViolation, "the server sent its final message before the client's proof")
        }
        guard let text = fields["v"], let signature = Data(base64Encoded: text) else {
            throw SCRAMError(.protocolViolation, "the server's final SCRAM message has no signature")
        }
        guard Array(signature) == expected else {
            throw SCRAMError(
                .serverSignature,
                "the server's SCRAM signature does not verify: it does not know this password, or something between us and the server rewrote the exchange"
            )
        }
    }

    /// Whether `verifyServerFinal` has what it needs (the proof was computed).
    public var awaitingServerFinal: Bool { serverSignature != nil }

    // MARK: The arithmetic (RFC 5802 section 3)

    static func compute<H: HashFunction>(
        _: H.Type, password: [UInt8], salt: [UInt8], iterations: Int, authMessage: String
    ) -> (proof: [UInt8], serverSignature: [UInt8]) {
        let salted = SaltedPasswordCache.shared.salted(
            mechanism: String(describing: H.self), password: password, salt: salt, iterations: iterations
        ) { saltedPassword(H.self, password: password, salt: salt, iterations: iterations) }
        let saltedKey = SymmetricKey(data: salted)
        let clientKey = Array(HMAC<H>.authenticationCode(for: Array("Client Key".utf8), using: saltedKey))
        let storedKey = Array(H.hash(data: clientKey))
        let clientSignature = Array(
            HMAC<H>.authenticationCode(for: Array(authMessage.utf8), using: SymmetricKey(data: storedKey)))
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = Array(HMAC<H>.authenticationCode(for: Array("Server Key".utf8), using: saltedKey))
        let serverSignature = Array(
            HMAC<H>.authenticationCode(for: Array(authMessage.utf8), using: SymmetricKey(data: serverKey)))
        return (proof, serverSignature)
    }

    /// Hi(password, salt, i): PBKDF2 with HMAC-H and one output block. SHA-1 and SHA-256 (the two SCRAM
    /// mechanisms) run in BoringSSL's PBKDF2 (swift-crypto's `_CryptoExtras`), the ping's hottest loop.
    public static func saltedPassword<H: HashFunction>(_: H.Type, password: [UInt8], salt: [UInt8], iterations: Int)
        -> [UInt8]
    {
        let function: KDF.Insecure.PBKDF2.HashFunction? =
            H.self == Insecure.SHA1.self ? .insecureSHA1 : H.self == SHA256.self ? .sha256 : nil
        if let function, iterations >= 1,
            let key = try? KDF.Insecure.PBKDF2.deriveKey(
                from: password, salt: salt, using: function, outputByteCount: H.Digest.byteCount,
                unsafeUncheckedRounds: iterations)
        {
            return key.withUnsafeBytes { Array($0) }
        }
        return saltedPasswordInSwift(H.self, password: password, salt: salt, iterations: iterations)
    }

    /// Hi in Swift, for any other hash function: the keyed HMAC state is made once and copied for each
    /// iteration; the XOR runs over raw buffers.
    static func saltedPasswordInSwift<H: HashFunction>(_: H.Type, password: [UInt8], salt: [UInt8], iterations: Int)
        -> [UInt8]
    {
        let base = HMAC<H>(key: SymmetricKey(data: password))
        var first = base
        first.update(data: salt + [0, 0, 0, 1])
        var block = Array(first.finalize())
        var result = block
        let count = block.count
        if iterations > 1 {
            result.withUnsafeMutableBufferPointer { output in
                block.withUnsafeMutableBufferPointer { previous in
                    for _ in 1..<iterations {
                        var next = base
                        next.update(data: UnsafeRawBufferPointer(previous))
                        next.finalize().withUnsafeBytes { mac in
                            for index in 0..<count {
                                previous[index] = mac[index]
                                output[index] ^= mac[index]
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// "a=1,b=2" as a dictionary (values may contain '=').
    static func attributes(_ message: String) -> [String: String] {
        var fields: [String: String] = [:]
        for part in message.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = part.firstIndex(of: "="), part.distance(from: part.startIndex, to: equals) == 1 else {
                continue
            }
            let key = String(part[..<equals])
            if fields[key] == nil { fields[key] = String(part[part.index(after: equals)...]) }
        }
        return fields
    }
}
