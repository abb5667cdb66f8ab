import PreflightNetwork
import Testing

/// Inputs found by the fuzz targets (Fuzz/, scripts/fuzz.sh) that once crashed the sniffer.
@Suite("ProtocolSniffer fuzz regressions")
struct ProtocolSnifferFuzzRegressionTests {
    /// A MySQL-looking frame whose length (2) is too short for an ERR packet's marker and code made
    /// `prefix(length - 3)` trap on a negative count: any peer sending these 7 bytes crashed the process.
    @Test func errPacketShorterThanItsHeader() {
        let bytes: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0xff, 0x10, 0x41]
        #expect(ProtocolSniffer.identify(bytes) == .unknown(preview: "02 00 00 00 ff 10 41"))
    }

    /// The shortest well-formed ERR packet (marker and code, no message) is still named.
    @Test func errPacketWithOnlyItsCode() {
        let bytes: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0xff, 0x10, 0x04]
        #expect(ProtocolSniffer.identify(bytes) == .mysqlError(message: ""))
    }
}
