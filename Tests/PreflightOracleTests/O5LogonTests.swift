import PreflightOracle
import Testing

/// Known answers from python-oracledb's own primitives (`scripts/peers/oracle_o5logon_vectors.py`, which
/// runs oracledb.thin_impl's encrypt_cbc/decrypt_cbc/get_derived_key on these fixed inputs).
struct O5LogonTests {
    static let password = Array("Oracle-Pl4nted/+=\"é-Pass".utf8)
    static let salt = Array(UInt8(0)..<16)
    static let cskSalt = Array(UInt8(32)..<64)
    static let prefix = [UInt8](repeating: 0xA5, count: 16)

    /// Hands out the client half first, then the 16-byte prefixes.
    static func answer(_ challenge: O5Logon.Challenge, clientHalf: [UInt8]) throws -> O5Logon.Answer {
        var handedOut = 0
        return try O5Logon.answer(password: password, challenge: challenge) { count in
            handedOut += 1
            return handedOut == 1 ? Array(clientHalf.prefix(count)) : prefix
        }
    }

    @Test func the12cVerifierMatchesOracledb() throws {
        var challenge = O5Logon.Challenge(
            verifierType: O5Logon.verifier12c, salt: Self.salt, encryptedServerKey: [], vgenCount: 4096,
            cskSalt: Self.cskSalt, sderCount: 3)
        let key = try O5Logon.verifierKey(password: Self.password, challenge: challenge)
        #expect(O5Logon.hex(key.key) == "A33368034ADAA15F3AE536AC4A64EAA2DAF4693CEDAF3D9418302ABEE4051DFD")
        challenge.encryptedServerKey = try O5Logon.encrypt(Array(100..<132), key: key.key, padded: false)
        #expect(
            O5Logon.hex(challenge.encryptedServerKey)
                == "5719ABB4E4E3924729E876D636E81A8B288398E7D9E702BDF5F06CC0628138A7")
        let answer = try Self.answer(challenge, clientHalf: Array(200..<232))
        #expect(answer.sessionKey == "9D040EF6C2DC7FB44EE8996058466845968C0F7A0C66F3E241CFAA4A1A3FB750")
        #expect(
            O5Logon.hex(answer.combinedKey) == "89FCE641CB5F3E44151C33E38BD9F70D08D68A38097BBE80240E8025AD760715")
        #expect(
            answer.password
                == "3715A9C72A8D23DAE2B523C6845B4B822F0DB1F7A1ACB60594C9B5F125A547A101B48DF42D2A441CA44FC178B1C424FB")
        #expect(
            answer.speedyKey
                == "3715A9C72A8D23DAE2B523C6845B4B829171DFA80DE10453A290D9204670C9E25BC7FCDDF6627DADC5DB7A616FCF1509A87167205C4D760D3F14CA6C8C3856ED2772A921BF16043C7F088F95A71E7186"
        )
        let proof =
            "3715A9C72A8D23DAE2B523C6845B4B8208123356EEA57D0CEE02900BCA2C2DD0A562876782DA0CBFEEF82218EB26B01C"
        #expect(O5Logon.serverProves(proof, combinedKey: answer.combinedKey))
        #expect(!O5Logon.serverProves(proof, combinedKey: [UInt8](repeating: 1, count: 32)))
        #expect(!O5Logon.serverProves(nil, combinedKey: answer.combinedKey))
        #expect(!O5Logon.serverProves("ZZ", combinedKey: answer.combinedKey))
    }

    @Test func the11gVerifierMatchesOracledb() throws {
        var challenge = O5Logon.Challenge(verifierType: O5Logon.verifier11g, salt: Self.salt, encryptedServerKey: [])
        let key = try O5Logon.verifierKey(password: Self.password, challenge: challenge)
        #expect(O5Logon.hex(key.key) == "21AA9420EB6EE512DEA86E31A922B95A5687F9F900000000")
        #expect(key.speedyKey == nil)
        challenge.encryptedServerKey = try O5Logon.encrypt(Array(100..<148), key: key.key, padded: false)
        #expect(
            O5Logon.hex(challenge.encryptedServerKey)
                == "4C47B62AA34A7BCCB0D3AEA515A903DCC435B1CF3BCB92DD778A272DBCC46C761071513513568BD036E90C401881D08E")
        let answer = try Self.answer(challenge, clientHalf: Array(200..<248))
        #expect(
            answer.sessionKey
                == "BEC083DC5F92CA3FF514E80F07DD928B5A5C78F312FEFE5776E849F9E37E1F6CC1A55F6A702A31C82EDDAE6AD011229B")
        #expect(O5Logon.hex(answer.combinedKey) == "54B2DC3DEC3A06D76F3E407FD3ACDB0BD153A07A6FB12AD2")
        #expect(
            answer.password
                == "FEDFEB5A4A22AEA7CF79ABE74FC1350B9B5B20AC7A6A7C2A38C9CBEF8065D3BF5156211FFB894186E5B8BDA858F7ACC5")
        #expect(answer.speedyKey == nil)
        #expect(
            O5Logon.serverProves(
                "FEDFEB5A4A22AEA7CF79ABE74FC1350B409476D1E5A3B8D8BC5D5098A75E5B8D8916A0CDDD9C834F43E4E9CF69343BB0",
                combinedKey: answer.combinedKey))
    }

    @Test func aChallengeIsReadStrictly() throws {
        let good = [
            "AUTH_VFR_DATA": O5Logon.hex(Self.salt), "AUTH_SESSKEY": String(repeating: "AB", count: 32),
            "AUTH_PBKDF2_CSK_SALT": O5Logon.hex(Self.cskSalt), "AUTH_PBKDF2_VGEN_COUNT": "4096",
            "AUTH_PBKDF2_SDER_COUNT": "3",
        ]
        let challenge = try O5Logon.Challenge(good, verifierType: O5Logon.verifier12c)
        #expect(challenge.vgenCount == 4096 && challenge.sderCount == 3 && challenge.salt == Self.salt)
        var huge = good
        huge["AUTH_PBKDF2_VGEN_COUNT"] = "2000000000"
        #expect(throws: O5Logon.Failure.self) { try O5Logon.Challenge(huge, verifierType: O5Logon.verifier12c) }
        var missing = good
        missing["AUTH_PBKDF2_CSK_SALT"] = nil
        #expect(throws: O5Logon.Failure.missing("AUTH_PBKDF2_CSK_SALT")) {
            try O5Logon.Challenge(missing, verifierType: O5Logon.verifier12c)
        }
        var notHex = good
        notHex["AUTH_SESSKEY"] = "XYZ1"
        #expect(throws: O5Logon.Failure.self) { try O5Logon.Challenge(notHex, verifierType: O5Logon.verifier12c) }
        // An 11g challenge needs a 48-byte server half.
        #expect(throws: O5Logon.Failure.self) { try O5Logon.Challenge(good, verifierType: O5Logon.verifier11g) }
    }

    @Test func hexRoundTrips() {
        #expect(O5Logon.hex([0x00, 0xAB, 0xFF]) == "00ABFF")
        #expect(O5Logon.bytes(hex: "00abFF") == [0x00, 0xAB, 0xFF])
        #expect(O5Logon.bytes(hex: "ABC") == nil)
        #expect(O5Logon.bytes(hex: "GG") == nil)
    }
}
