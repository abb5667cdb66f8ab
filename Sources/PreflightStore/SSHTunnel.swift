import Foundation

/// An SSH bastion a company's connector checks go through.
///
/// The private key is stored only sealed (see ``SecretSealer``); the store never sees it in plaintext.
/// Every store method on tunnels is scoped to a company: another company's tunnel behaves exactly like
/// a missing one.
public struct SSHTunnelRecord: Sendable, Equatable {
    /// The tunnel's identifier. Chosen by the caller before creating, because it is the associated data
    /// the private key is sealed with (``SecretSealer/associatedData(forTunnel:)``).
    public var uuid: UUID
    /// The company owning the tunnel.
    public var companyUUID: UUID
    /// The environment the tunnel belongs to, if any.
    public var environmentUUID: UUID?
    /// A display name, trimmed, 1...200 characters.
    public var name: String
    /// The bastion's host name or address (trimmed, 1...255 characters, no whitespace).
    public var host: String
    /// The bastion's SSH port, 1...65535.
    public var port: Int
    /// The login user on the bastion (trimmed, 1...200 characters).
    public var username: String
    /// Our public key as one `authorized_keys` line (`ssh-ed25519 AAAA... comment`).
    public var publicKey: String
    /// Our private key as ``SecretSealer`` output, sealed with the tunnel's UUID as associated data.
    public var sealedPrivateKey: Data
    /// The bastion's host key fingerprint (`SHA256:` + unpadded base64), pinned on first use; `nil` until then.
    public var hostKeyFingerprint: String?
    /// When the tunnel was created (millisecond precision; set by the store).
    public var createdAt: Date
    /// When the tunnel last changed (millisecond precision; set by the store, strictly increasing).
    public var updatedAt: Date

    /// Creates a record value. ``PreflightStore/createTunnel(_:)`` sets `createdAt` and `updatedAt` itself.
    public init(
        uuid: UUID = UUID(), companyUUID: UUID, environmentUUID: UUID? = nil, name: String, host: String, port: Int,
        username: String, publicKey: String, sealedPrivateKey: Data, hostKeyFingerprint: String? = nil,
        createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.uuid = uuid
        self.companyUUID = companyUUID
        self.environmentUUID = environmentUUID
        self.name = name
        self.host = host
        self.port = port
        self.username = username
        self.publicKey = publicKey
        self.sealedPrivateKey = sealedPrivateKey
        self.hostKeyFingerprint = hostKeyFingerprint
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension SSHTunnelRecord: CustomStringConvertible, CustomDebugStringConvertible {
    /// The record without its sealed key (only its size), so logging a record never writes the ciphertext.
    public var description: String {
        "SSHTunnelRecord(uuid: \(StoreUUID.text(uuid)), company: \(StoreUUID.text(companyUUID)), name: \(name.debugDescription), "
            + "\(username)@\(host):\(port), sealedPrivateKey: \(sealedPrivateKey.count) bytes, "
            + "hostKeyFingerprint: \(hostKeyFingerprint ?? "none"))"
    }

    public var debugDescription: String { description }
}

/// Changes to a tunnel's settings; `nil` leaves a field as it is.
public struct SSHTunnelChanges: Sendable, Equatable {
    public var name: String?
    public var host: String?
    public var port: Int?
    public var username: String?

    public init(name: String? = nil, host: String? = nil, port: Int? = nil, username: String? = nil) {
        self.name = name
        self.host = host
        self.port = port
        self.username = username
    }

    /// Whether no field would change.
    public var isEmpty: Bool { name == nil && host == nil && port == nil && username == nil }
}

/// The store's last line of defence against obviously invalid tunnel data. The HTTP layer validates
/// fields properly (and with better messages); these checks keep nonsense out of the database.
enum TunnelValidation {
    static let maximumNameLength = 200
    static let maximumHostLength = 255
    static let maximumUsernameLength = 200
    static let maximumPublicKeyLength = 16 * 1024
    static let maximumSealedKeyLength = 64 * 1024
    static let portRange = 1...65535

    /// `record` with its text fields trimmed, or a ``StoreError`` of kind `invalidInput`.
    /// `record` validated, created and last updated at `now` (milliseconds since 1970): what a store inserts.
    static func validated(_ record: SSHTunnelRecord, createdAt now: Int64) throws -> SSHTunnelRecord {
        var record = try validated(record)
        record.createdAt = StoreTime.date(millis: now)
        record.updatedAt = record.createdAt
        return record
    }

    static func validated(_ record: SSHTunnelRecord) throws -> SSHTunnelRecord {
        var record = record
        record.name = try name(record.name)
        record.host = try host(record.host)
        record.port = try port(record.port)
        record.username = try username(record.username)
        record.publicKey = try publicKey(record.publicKey)
        record.sealedPrivateKey = try sealedKey(record.sealedPrivateKey)
        record.hostKeyFingerprint = try record.hostKeyFingerprint.map(fingerprint)
        return record
    }

    /// `changes` with its text fields trimmed, or a ``StoreError`` of kind `invalidInput`.
    static func validated(_ changes: SSHTunnelChanges) throws -> SSHTunnelChanges {
        SSHTunnelChanges(
            name: try changes.name.map(name),
            host: try changes.host.map(host),
            port: try changes.port.map(port),
            username: try changes.username.map(username)
        )
    }

    static func name(_ value: String) throws -> String {
        try text(value, field: "name", maximumLength: maximumNameLength, allowsInnerWhitespace: true)
    }

    static func host(_ value: String) throws -> String {
        try text(value, field: "host", maximumLength: maximumHostLength, allowsInnerWhitespace: false)
    }

    static func username(_ value: String) throws -> String {
        try text(value, field: "username", maximumLength: maximumUsernameLength, allowsInnerWhitespace: false)
    }

    static func port(_ value: Int) throws -> Int {
        guard portRange.contains(value) else {
            throw StoreError(.invalidInput, "A tunnel's port must be from 1 to 65535 (got \(value)).")
        }
        return value
    }

    /// One `authorized_keys` line: not empty, one line, at most 16 KiB.
    static func publicKey(_ value: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StoreError(.invalidInput, "A tunnel's public key must not be empty.")
        }
        guard trimmed.utf8.count <= maximumPublicKeyLength else {
            throw StoreError(.invalidInput, "A tunnel's public key must be at most \(maximumPublicKeyLength) bytes.")
        }
        guard !trimmed.unicodeScalars.contains(where: isControl), trimmed.split(separator: " ").count >= 2 else {
            throw StoreError(
                .invalidInput,
                "A tunnel's public key must be one authorized_keys line (\"ssh-ed25519 AAAA... comment\").")
        }
        return trimmed
    }

    /// Refuses anything that is not shaped like ``SecretSealer`` output, so a plaintext key handed over by
    /// mistake is not written. (A shape check, not a guarantee: only `SecretSealer.open` proves it.)
    static func sealedKey(_ value: Data) throws -> Data {
        guard SecretSealer.looksSealed(value), value.count <= maximumSealedKeyLength else {
            throw StoreError(
                .invalidInput,
                "A tunnel's private key must be stored sealed (SecretSealer output); refusing \(value.count) bytes that are not."
            )
        }
        return value
    }

    /// `SHA256:` followed by the unpadded base64 of a 32-byte digest, as `ssh-keygen -l` prints it.
    static func fingerprint(_ value: String) throws -> String {
        let prefix = "SHA256:"
        let digest = value.hasPrefix(prefix) ? String(value.dropFirst(prefix.count)) : ""
        let unpadded = digest.hasSuffix("=") ? String(digest.dropLast()) : digest
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".unicodeScalars)
        guard unpadded.unicodeScalars.count == 43, unpadded.unicodeScalars.allSatisfy(alphabet.contains) else {
            throw StoreError(
                .invalidInput, "A host key fingerprint must be \"SHA256:\" followed by 43 base64 characters.")
        }
        return prefix + unpadded
    }

    private static func text(_ value: String, field: String, maximumLength: Int, allowsInnerWhitespace: Bool) throws
        -> String
    {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StoreError(.invalidInput, "A tunnel's \(field) must not be empty.")
        }
        guard trimmed.count <= maximumLength else {
            throw StoreError(
                .invalidInput, "A tunnel's \(field) must be at most \(maximumLength) characters (got \(trimmed.count))."
            )
        }
        guard !trimmed.unicodeScalars.contains(where: isControl) else {
            throw StoreError(.invalidInput, "A tunnel's \(field) must not contain control characters.")
        }
        if !allowsInnerWhitespace, trimmed.unicodeScalars.contains(where: CharacterSet.whitespacesAndNewlines.contains)
        {
            throw StoreError(.invalidInput, "A tunnel's \(field) must not contain whitespace.")
        }
        return trimmed
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        CharacterSet.controlCharacters.contains(scalar)
    }
}
