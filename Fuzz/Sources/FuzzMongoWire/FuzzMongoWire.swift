import FuzzSupport

/// MongoDB replies as a server sends them: framing, OP_MSG / OP_REPLY, BSON, the command error.
/// Whatever BSON decodes must survive encode -> decode -> encode unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzMongoWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    switch MongoWire.frameStatus(bytes) {
    case .complete(let length):
        if let reply = try? MongoWire.decodeReply(Array(bytes.prefix(length))) {
            _ = MongoCommandError.from(reply.document)
        }
    case .incomplete, .invalid: break
    }
    // The input as a reply frame whatever its prefix says, and as a bare document.
    _ = try? MongoWire.decodeReply(bytes)
    if let document = try? BSONDocument.decode(bytes) {
        _ = MongoCommandError.from(document)
        let encoded = document.encoded()
        guard let again = try? BSONDocument.decode(encoded) else {
            fuzzFailure("a decoded BSON document did not decode after encoding")
        }
        guard again.encoded() == encoded else { fuzzFailure("BSON encode/decode is not stable") }
    }
    _ = try? BSONDocument.decodePrefix(bytes[...])
    return 0
}

@_cdecl("FuzzMongoWire_main")
func fuzzMongoWireMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzMongoWire)
}
