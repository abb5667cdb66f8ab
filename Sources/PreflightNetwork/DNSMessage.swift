/// DNS messages (RFC 1035 section 4; SRV in RFC 2782; TXT in RFC 1035 section 3.3.14): building a
/// query and reading the answer, including name compression. Pure, so that other connectors can use it
/// and it can move to PreflightNetwork unchanged.

/// A record type (only the ones a lookup asks for or must recognise are named).
public struct DNSRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSRecordType(rawValue: 1)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let srv = DNSRecordType(rawValue: 33)

    public var description: String {
        switch rawValue {
        case 1: "A"
        case 5: "CNAME"
        case 16: "TXT"
        case 28: "AAAA"
        case 33: "SRV"
        default: "TYPE\(rawValue)"
        }
    }
}

/// An SRV record's data.
public struct DNSSRVRecord: Sendable, Equatable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    /// The target host, without the trailing dot.
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// A resource record's data, decoded for the types a lookup uses.
public enum DNSRecordData: Sendable, Equatable {
    case srv(DNSSRVRecord)
    /// The character strings of a TXT record, in order.
    case txt([[UInt8]])
    case cname(String)
    case other([UInt8])
}

/// One resource record.
public struct DNSResourceRecord: Sendable, Equatable {
    public var name: String
    public var type: DNSRecordType
    public var recordClass: UInt16
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: String, type: DNSRecordType, recordClass: UInt16 = 1, ttl: UInt32 = 60, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }
}

/// Why bytes are not a usable DNS message.
public struct DNSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A DNS message: header, question and answer sections (authority and additional are skipped over).
public struct DNSMessage: Sendable, Equatable {
    public var id: UInt16
    public var isResponse: Bool
    /// TC: the answer did not fit in the UDP datagram; ask again over TCP.
    public var truncated: Bool
    public var recursionDesired: Bool
    /// RCODE: 0 no error, 1 format error, 2 server failure, 3 no such name, 4 not implemented, 5 refused.
    public var responseCode: UInt8
    public var questions: [(name: String, type: DNSRecordType)]
    public var answers: [DNSResourceRecord]

    public init(
        id: UInt16, isResponse: Bool, truncated: Bool = false, recursionDesired: Bool = true, responseCode: UInt8 = 0,
        questions: [(name: String, type: DNSRecordType)], answers: [DNSResourceRecord] = []
    ) {
        self.id = id
        self.isResponse = isResponse
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
    }

    public static func == (lhs: DNSMessage, rhs: DNSMessage) -> Bool {
        lhs.id == rhs.id && lhs.isResponse == rhs.isResponse && lhs.truncated == rhs.truncated
            && lhs.recursionDesired == rhs.recursionDesired && lhs.responseCode == rhs.responseCode
            && lhs.questions.map(\.name) == rhs.questions.map(\.name)
            && lhs.questions.map(\.type) == rhs.questions.map(\.type)
            && lhs.answers == rhs.answers
    }

    /// The response code in words ("NXDOMAIN (no such name)").
    public static func describe(responseCode: UInt8) -> String {
        switch responseCode {
        case 0: "NOERROR"
        case 1: "FORMERR (the server could not read the query)"
        case 2: "SERVFAIL (the server failed to get an answer)"
        case 3: "NXDOMAIN (no such name)"
        case 4: "NOTIMP (the server does not support this query)"
        case 5: "REFUSED (the server refused to answer)"
        default: "RCODE \(responseCode)"
        }
    }

    // MARK: Encoding

    /// A standard recursive query for one name and type, class IN.
    public static func query(id: UInt16, name: String, type: DNSRecordType) throws(DNSError) -> [UInt8] {
        try DNSMessage(id: id, isResponse: false, questions: [(name, type)]).encode()
    }

    /// The message's bytes, without name compression (queries, and answers in tests).
    public func encode() throws(DNSError) -> [UInt8] {
        var out: [UInt8] = []
        Self.put16(id, &out)
        var flags: UInt16 = 0
        if isResponse { flags |= 0x8000 }
        if truncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if isResponse { flags |= 0x0080 }  // RA
        flags |= UInt16(responseCode & 0x0F)
        Self.put16(flags, &out)
        Self.put16(UInt16(questions.count), &out)
        Self.put16(UInt16(answers.count), &out)
        Self.put16(0, &out)
        Self.put16(0, &out)
        for question in questions {
            try Self.putName(question.name, &out)
            Self.put16(question.type.rawValue, &out)
            Self.put16(1, &out)
        }
        for record in answers {
            try Self.putName(record.name, &out)
            Self.put16(record.type.rawValue, &out)
            Self.put16(record.recordClass, &out)
            Self.put16(UInt16(record.ttl >> 16), &out)
            Self.put16(UInt16(record.ttl & 0xFFFF), &out)
            var data: [UInt8] = []
            switch record.data {
            case .srv(let srv):
                Self.put16(srv.priority, &data)
                Self.put16(srv.weight, &data)
                Self.put16(srv.port, &data)
                try Self.putName(srv.target, &data)
            case .txt(let strings):
                for string in strings {
                    guard string.count <= 255 else { throw DNSError("a TXT character string longer than 255 bytes") }
                    data.append(UInt8(string.count))
                    data.append(contentsOf: string)
                }
            case .cname(let target): try Self.putName(target, &data)
            case .other(let bytes): data = bytes
            }
            guard data.count <= 0xFFFF else { throw DNSError("record data longer than 65535 bytes") }
            Self.put16(UInt16(data.count), &out)
            out.append(contentsOf: data)
        }
        return out
    }

    static func put16(_ value: UInt16, _ out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    /// Writes a name as labels; a trailing dot is optional. Labels are 1-63 bytes, the name at most 255.
    static func putName(_ name: String, _ out: inout [UInt8]) throws(DNSError) {
        var trimmed = Substring(name)
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        var written = 1
        if !trimmed.isEmpty {
            for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
                let bytes = Array(label.utf8)
                guard !bytes.isEmpty else { throw DNSError("the name \(name.prefix(80)) has an empty label") }
                guard bytes.count <= 63 else {
                    throw DNSError("the name \(name.prefix(80)) has a label longer than 63 bytes")
                }
                out.append(UInt8(bytes.count))
                out.append(contentsOf: bytes)
                written += bytes.count + 1
            }
        }
        guard written <= 255 else { throw DNSError("the name \(name.prefix(80))... is longer than 255 bytes") }
        out.append(0)
    }

    // MARK: Decoding

    /// Reads a whole message. Authority and additional records are validated only as far as skipping them needs.
    public static func decode(_ bytes: [UInt8]) throws(DNSError) -> DNSMessage {
        guard bytes.count >= 12 else { throw DNSError("a DNS message shorter than its 12-byte header") }
        var reader = DNSReader(bytes: bytes, index: 12)
        let flags = reader.u16(at: 2)
        let questionCount = Int(reader.u16(at: 4))
        let answerCount = Int(reader.u16(at: 6))
        var message = DNSMessage(
            id: reader.u16(at: 0), isResponse: flags & 0x8000 != 0, truncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0, responseCode: UInt8(flags & 0x000F), questions: [])
        for _ in 0..<questionCount {
            let name = try reader.readName()
            let type = try reader.read16()
            _ = try reader.read16()
            message.questions.append((name, DNSRecordType(rawValue: type)))
        }
        for _ in 0..<answerCount {
            message.answers.append(try reader.readRecord())
        }
        return message
    }
}

/// A cursor over a DNS message that follows compression pointers safely.
struct DNSReader {
    let bytes: [UInt8]
    var index: Int

    func u16(at offset: Int) -> UInt16 { UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) }

    mutating func read16() throws(DNSError) -> UInt16 {
        guard index + 2 <= bytes.count else { throw DNSError("a DNS message truncated inside a record") }
        defer { index += 2 }
        return u16(at: index)
    }

    mutating func read32() throws(DNSError) -> UInt32 {
        let high = try read16()
        return UInt32(high) << 16 | UInt32(try read16())
    }

    /// Reads a possibly compressed name at the cursor (RFC 1035 section 4.1.4). Pointers must point
    /// backwards, so a loop is impossible; the name is at most 255 bytes.
    mutating func readName() throws(DNSError) -> String {
        var labels: [String] = []
        var position = index
        var jumped = false
        var length = 1
        while true {
            guard position < bytes.count else { throw DNSError("a DNS name runs past the end of the message") }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0xC0:
                guard position + 1 < bytes.count else { throw DNSError("a truncated DNS compression pointer") }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < position else {
                    throw DNSError("a DNS compression pointer that does not point backwards")
                }
                if !jumped { index = position + 2 }
                jumped = true
                position = target
            case 0x00:
                if byte == 0 {
                    if !jumped { index = position + 1 }
                    return labels.joined(separator: ".")
                }
                let count = Int(byte)
                guard position + 1 + count <= bytes.count else {
                    throw DNSError("a DNS label runs past the end of the message")
                }
                length += count + 1
                guard length <= 255 else { throw DNSError("a DNS name longer than 255 bytes") }
                labels.append(String(decoding: bytes[(position + 1)...(position + count)], as: UTF8.self))
                position += count + 1
            default:
                throw DNSError("a DNS label with the reserved type bits 0x\(String(byte & 0xC0, radix: 16))")
            }
        }
    }

    mutating func readRecord() throws(DNSError) -> DNSResourceRecord {
        let name = try readName()
        let type = DNSRecordType(rawValue: try read16())
        let recordClass = try read16()
        let ttl = try read32()
        let length = Int(try read16())
        guard index + length <= bytes.count else {
            throw DNSError("a DNS record's data runs past the end of the message")
        }
        let end = index + length
        let data: DNSRecordData
        switch type {
        case .srv:
            guard length >= 7 else { throw DNSError("an SRV record of \(length) bytes (at least 7 are needed)") }
            let priority = try read16()
            let weight = try read16()
            let port = try read16()
            let target = try readName()
            guard index == end else { throw DNSError("an SRV record whose target does not end where its data does") }
            data = .srv(DNSSRVRecord(priority: priority, weight: weight, port: port, target: target))
        case .txt:
            var strings: [[UInt8]] = []
            while index < end {
                let count = Int(bytes[index])
                guard index + 1 + count <= end else { throw DNSError("a TXT string runs past the end of its record") }
                strings.append(Array(bytes[(index + 1)..<(index + 1 + count)]))
                index += 1 + count
            }
            data = .txt(strings)
        case .cname:
            let target = try readName()
            guard index == end else { throw DNSError("a CNAME record whose name does not end where its data does") }
            data = .cname(target)
        default:
            data = .other(Array(bytes[index..<end]))
        }
        index = end
        return DNSResourceRecord(name: name, type: type, recordClass: recordClass, ttl: ttl, data: data)
    }
}
