import Foundation
import FuzzSupport

/// MySQL bytes as a server sends them. The first input byte picks how the rest is split into socket
/// reads; the rest goes through the packet reader, and each packet is read as a greeting, an ERR
/// packet and a text-protocol row (length-encoded strings).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzMySQLPackets(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard let seed = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    var reader = MySQLPacketReader(maxPayload: seed & 1 == 0 ? 1 << 20 : 64, expectedSequence: seed & 2 == 0 ? nil : 0)
    var packets: [MySQLPacket] = []
    reading: for piece in chunks(bytes, seed: seed >> 2) {
        reader.append(piece)
        _ = reader.pendingFrame
        while true {
            do {
                guard let packet = try reader.next() else { break }
                packets.append(packet)
            } catch {
                break reading
            }
        }
    }
    for packet in packets {
        _ = packet.nextSequence
        if let greeting = try? MySQLGreeting.parse(packet.payload) {
            _ = greeting.isMariaDB
            _ = greeting.displayVersion
        }
        _ = MySQLServerError.parse(packet.payload)?.description
        _ = isOK(packet.payload)
        _ = isEOF(packet.payload)
        var row = MySQLPayloadReader(packet.payload)
        while !row.isAtEnd {
            guard (try? row.lengthEncodedBytes("column")) != nil else { break }
        }
    }
    // The whole input as one payload, too (a greeting is the first thing a server sends).
    _ = try? MySQLGreeting.parse(input)
    _ = MySQLServerError.parse(input)
    return 0
}

@_cdecl("FuzzMySQLPackets_main")
func fuzzMySQLPacketsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzMySQLPackets)
}
