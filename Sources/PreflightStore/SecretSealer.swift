import Crypto
import Foundation

/// Encrypts secrets (SSH private keys) before they are stored, and decrypts them after reading.
///
/// AES-256-GCM with the ``MasterKey``, a fresh random 96-bit nonce per seal. The sealed form is
///
///     version (1 byte, currently 1) || nonce (12) || ciphertext || tag (16)
///
/// i.e. a version byte followed by CryptoKit's `combined` representation. The version byte lets a later
/// build rotate keys or change the format while still opening older blobs. The caller's associated data
/// (for tunnels, the tunnel's UUID: ``associatedData(forTunnel:)``) is authenticated together with the
/// version byte, so a blob copied to another row, or given another version byte, does not open.
public struct SecretSealer: Sendable {
    /// The format version written by ``seal(_:associatedData:)``.
    public static let formatVersion: UInt8 = 1
    static let nonceByteCount = 12
    static let tagByteCount = 16
    /// The size of a sealed empty secret: the overhead every sealed value carries.
    public static let overheadByteCount = 1 + nonceByteCount + tagByteCount

    private let key: SymmetricKey

    /// A sealer using `key`.
    public init(_ key: MasterKey) {
        self.key = key.symmetricKey
    }

    /// The associated data a tunnel's private key is sealed with: the tunnel's UUID in lowercase.
    public static func associatedData(forTunnel uuid: UUID) -> String {
        StoreUUID.text(uuid)
    }

    /// Encrypts `plaintext`, binding it to `associatedData` (which is authenticated, not stored).
    ///
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/invalidInput`` if encryption fails (not expected).
    public func seal(_ plaintext: Data, associatedData: String) throws -> Data {
        do {
            let box = try AES.GCM.seal(
                plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: Self.authenticated(associatedData))
            guard let combined = box.combined else {
                throw StoreError(.invalidInput, "Could not seal the secret: no combined representation.")
            }
            var sealed = Data([Self.formatVersion])
            sealed.append(combined)
            return sealed
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.invalidInput, "Could not seal the secret: \(type(of: error)).")
        }
    }

    /// Decrypts what ``seal(_:associatedData:)`` returned for the same `associatedData`.
    ///
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/corruptData`` when the data is not sealed secret,
    ///   has an unknown version, was altered, was sealed for other associated data, or with another key.
    public func open(_ sealed: Data, associatedData: String) throws -> Data {
        let bytes = Data(sealed)  // indices from 0, whatever slice was passed
        guard bytes.count >= Self.overheadByteCount else {
            throw StoreError(
                .corruptData, "The sealed secret is too short (\(bytes.count) bytes) to be SecretSealer output.")
        }
        guard bytes[0] == Self.formatVersion else {
            throw StoreError(
                .corruptData,
                "The sealed secret has format version \(bytes[0]), which this build cannot open (it knows \(Self.formatVersion))."
            )
        }
        do {
            let box = try AES.GCM.SealedBox(combined: bytes.dropFirst())
            return try AES.GCM.open(box, using: key, authenticating: Self.authenticated(associatedData))
        } catch {
            throw StoreError(
                .corruptData,
                """
                The sealed secret cannot be decrypted with this master key: the master key differs from the one \
                that sealed it, or the stored data was altered or belongs to another record.
                """)
        }
    }

    /// Decrypts a tunnel's private key (sealed with ``associatedData(forTunnel:)``).
    public func openPrivateKey(of tunnel: SSHTunnelRecord) throws -> Data {
        try open(tunnel.sealedPrivateKey, associatedData: Self.associatedData(forTunnel: tunnel.uuid))
    }

    /// Seals a private key for the tunnel with UUID `tunnelUUID`.
    public func sealPrivateKey(_ plaintext: Data, forTunnel tunnelUUID: UUID) throws -> Data {
        try seal(plaintext, associatedData: Self.associatedData(forTunnel: tunnelUUID))
    }

    /// Whether `data` has the shape of sealed output (known version byte, long enough). It does not prove
    /// that `data` opens; the store uses it to refuse a plaintext key passed by mistake.
    static func looksSealed(_ data: Data) -> Bool {
        data.count >= overheadByteCount && data.first == formatVersion
    }

    private static func authenticated(_ associatedData: String) -> Data {
        var data = Data([formatVersion])
        data.append(contentsOf: Array(associatedData.utf8))
        return data
    }
}
