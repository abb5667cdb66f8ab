/// The encryption option of PRELOGIN (MS-TDS 2.2.6.5).
enum TDSEncryption: UInt8, Sendable, Equatable {
    /// Encryption available but off: only LOGIN7 is encrypted.
    case off = 0x00
    /// Encryption available and on.
    case on = 0x01
    /// No encryption at all.
    case notSupported = 0x02
    /// The server requires encryption.
    case required = 0x03

    var name: String {
        switch self {
        case .off: "ENCRYPT_OFF"
        case .on: "ENCRYPT_ON"
        case .notSupported: "ENCRYPT_NOT_SUP"
        case .required: "ENCRYPT_REQ"
        }
    }
}

/// Why a PRELOGIN payload could not be read.
enum TDSDecodeError: Error, Equatable, Sendable {
    case truncated(String)
    case malformed(String)
}

/// A PRELOGIN message (either direction): the options a ping needs.
struct TDSPrelogin: Sendable, Equatable {
    /// Major, minor, build (and sub-build) of the sender.
    var version: (major: UInt8, minor: UInt8, build: UInt16, subBuild: UInt16)
    var encryption: TDSEncryption
    /// The instance name (the client sends an empty one).
    var instance: String = ""
    var threadID: UInt32? = nil
    var mars: Bool = false

    static func == (lhs: TDSPrelogin, rhs: TDSPrelogin) -> Bool {
        lhs.version == rhs.version && lhs.encryption == rhs.encryption && lhs.instance == rhs.instance
            && lhs.threadID == rhs.threadID && lhs.mars == rhs.mars
    }

    /// "16.0.4135"
    var versionText: String { "\(version.major).\(version.minor).\(version.build)" }

    enum Option {
        static let version: UInt8 = 0x00
        static let encryption: UInt8 = 0x01
        static let instOpt: UInt8 = 0x02
        static let threadID: UInt8 = 0x03
        static let mars: UInt8 = 0x04
        static let terminator: UInt8 = 0xFF
    }

    /// The payload: option headers (token, big-endian offset and length), the terminator, then the data.
    func encode() -> [UInt8] {
        var options: [(UInt8, [UInt8])] = [
            (
                Option.version,
                [
                    version.major, version.minor, UInt8(version.build >> 8), UInt8(version.build & 0xFF),
                    UInt8(version.subBuild >> 8), UInt8(version.subBuild & 0xFF),
                ]
            ),
            (Option.encryption, [encryption.rawValue]),
            (Option.instOpt, Array(instance.utf8) + [0]),
        ]
        if let threadID {
            options.append(
                (
                    Option.threadID,
                    [
                        UInt8(threadID >> 24), UInt8((threadID >> 16) & 0xFF), UInt8((threadID >> 8) & 0xFF),
                        UInt8(threadID & 0xFF),
                    ]
                ))
        }
        options.append((Option.mars, [mars ? 1 : 0]))
        var offset = options.count * 5 + 1
        var head: [UInt8] = []
        var data: [UInt8] = []
        for (token, value) in options {
            head += [
                token, UInt8(offset >> 8), UInt8(offset & 0xFF), UInt8(value.count >> 8), UInt8(value.count & 0xFF),
            ]
            data += value
            offset += value.count
        }
        return head + [Option.terminator] + data
    }

    /// Reads a PRELOGIN payload; VERSION and ENCRYPTION are required, unknown options are skipped.
    static func parse(_ payload: [UInt8]) throws(TDSDecodeError) -> TDSPrelogin {
        var index = 0
        var values: [UInt8: [UInt8]] = [:]
        while true {
            guard index < payload.count else { throw .truncated("option list") }
            let token = payload[index]
            if token == Option.terminator { break }
            guard index + 5 <= payload.count else { throw .truncated("option header") }
            let offset = Int(payload[index + 1]) << 8 | Int(payload[index + 2])
            let length = Int(payload[index + 3]) << 8 | Int(payload[index + 4])
            guard offset + length <= payload.count, offset >= index + 5 else {
                throw .malformed("option \(token) points outside the message")
            }
            values[token] = Array(payload[offset..<offset + length])
            index += 5
            guard values.count <= 64 else { throw .malformed("too many options") }
        }
        guard let version = values[Option.version], version.count >= 6 else { throw .malformed("no VERSION") }
        guard let encryption = values[Option.encryption], let first = encryption.first else {
            throw .malformed("no ENCRYPTION")
        }
        guard let mode = TDSEncryption(rawValue: first & 0x03) else { throw .malformed("ENCRYPTION \(first)") }
        var result = TDSPrelogin(
            version: (
                version[0], version[1], UInt16(version[2]) << 8 | UInt16(version[3]),
                UInt16(version[4]) << 8 | UInt16(version[5])
            ),
            encryption: mode)
        if let instance = values[Option.instOpt] {
            result.instance = String(decoding: instance.prefix { $0 != 0 }, as: UTF8.self)
        }
        if let thread = values[Option.threadID], thread.count == 4 {
            result.threadID = thread.reduce(0) { $0 << 8 | UInt32($1) }
        }
        if let mars = values[Option.mars], let flag = mars.first { result.mars = flag != 0 }
        return result
    }
}
