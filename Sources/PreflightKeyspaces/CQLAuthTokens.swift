import Crypto
import Foundation
import PreflightAWS

/// The tokens of CQL's SASL-like exchange, for the two ways Amazon Keyspaces logs in. Pure.
public enum CQLAuthTokens {
    /// PasswordAuthenticator's PLAIN token: `\0user\0password`.
    public static func plain(username: String, password: String) -> [UInt8] {
        [0] + Array(username.utf8) + [0] + Array(password.utf8)
    }

    /// The first answer of the SigV4 authenticator (Amazon's plugins send it whatever class the server names).
    public static let sigV4Initial: [UInt8] = Array("SigV4".utf8) + [0, 0]

    /// The nonce's length in the challenge `nonce=...`.
    public static let nonceLength = 32

    /// The 32 bytes after `nonce=` in the server's challenge; nil when there are none.
    public static func nonce(in challenge: [UInt8]) -> [UInt8]? {
        let key = Array("nonce=".utf8)
        guard challenge.count >= key.count + nonceLength else { return nil }
        for start in 0...(challenge.count - key.count) where Array(challenge[start..<(start + key.count)]) == key {
            let from = start + key.count
            guard challenge.count >= from + nonceLength else { return nil }
            return Array(challenge[from..<(from + nonceLength)])
        }
        return nil
    }

    /// `2026-12-06T18:45:56.123Z`: the timestamp the SigV4 authenticator signs and sends as `amzdate`.
    public static func timestamp(_ date: Date) -> String {
        // Whole milliseconds first, so that the seconds and the fraction agree.
        let total = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let compact = SigV4.amzDate(Date(timeIntervalSince1970: Double(total / 1000)))  // 20261206T184556Z
        let chars = Array(compact)
        guard chars.count == 16 else { return compact }
        let millis = Int(total % 1000)
        let ms = String(repeating: "0", count: millis < 10 ? 2 : millis < 100 ? 1 : 0) + String(millis)
        return "\(String(chars[0..<4]))-\(String(chars[4..<6]))-\(String(chars[6..<8]))T"
            + "\(String(chars[9..<11])):\(String(chars[11..<13])):\(String(chars[13..<15])).\(ms)Z"
    }

    /// The signature over `nonce` for `accessKeyID`/`secret` at `timestamp` (as `timestamp(_:)` writes it).
    public static func signature(
        nonce: [UInt8], accessKeyID: String, secret: String, region: String, timestamp: String
    ) -> String {
        let day = timestamp.prefix(10).replacingOccurrences(of: "-", with: "")
        let scope = "\(day)/\(region)/cassandra/aws4_request"
        let query = [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=\(accessKeyID)%2F\(formEncode(scope))",
            "X-Amz-Date=\(formEncode(timestamp))",
            "X-Amz-Expires=900",
        ].sorted().joined(separator: "&")
        let canonical =
            "PUT\n/authenticate\n\(query)\nhost:cassandra\n\nhost\n\(SigV4.hex(SHA256.hash(data: nonce)))"
        let toSign =
            "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(SigV4.hex(SHA256.hash(data: Array(canonical.utf8))))"
        let key = SigV4.signingKey(secret: secret, day: day, region: region, service: "cassandra")
        return SigV4.hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: key))
    }

    /// The answer to the challenge: `signature=...,access_key=...,amzdate=...[,session_token=...]`.
    public static func sigV4Response(
        challenge: [UInt8], credentials: AWSCredentials, region: String, date: Date
    ) -> [UInt8]? {
        guard let nonce = nonce(in: challenge) else { return nil }
        let stamp = timestamp(date)
        let signature = signature(
            nonce: nonce, accessKeyID: credentials.accessKeyID, secret: credentials.secretAccessKey, region: region,
            timestamp: stamp)
        var text = "signature=\(signature),access_key=\(credentials.accessKeyID),amzdate=\(stamp)"
        if let token = credentials.sessionToken { text += ",session_token=\(token)" }
        return Array(text.utf8)
    }

    /// Python's `quote_plus` for the characters a scope and a timestamp hold (`/` and `:`).
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let char = Character(UnicodeScalar(byte))
            if char.isASCII && (char.isLetter || char.isNumber || "_.-~".contains(char)) {
                out.append(char)
            } else if byte == 0x20 {
                out.append("+")
            } else {
                out += "%" + String(format: "%02X", byte)
            }
        }
        return out
    }
}
