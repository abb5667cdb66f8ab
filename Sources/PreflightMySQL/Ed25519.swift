import Crypto

/// Ed25519 signing from an already expanded secret (RFC 8032 §5.1.6, from step 1's 64-byte hash h).
///
/// MariaDB's `client_ed25519` signs the server's nonce with h = SHA-512(password) instead of
/// SHA-512(32-byte seed), so a standard Ed25519 API (which takes the seed) cannot be used; this is a
/// small, self-contained port of TweetNaCl's public-domain field and group arithmetic (16 limbs of
/// 16 bits). Constants are derived from their definitions at first use rather than copied in.
/// Not constant-time in every step; it signs a one-time server nonce once per ping.
enum Ed25519 {
    typealias Field = [Int64]
    typealias Point = [Field]

    // MARK: Field GF(2^255 - 19)

    static func field(_ limbs: [Int64] = []) -> Field {
        var result = [Int64](repeating: 0, count: 16)
        for (index, limb) in limbs.enumerated() { result[index] = limb }
        return result
    }

    static let zero = field()
    static let one = field([1])

    static func carry(_ o: inout Field) {
        for i in 0..<16 {
            o[i] += 1 << 16
            let c = o[i] >> 16
            if i < 15 {
                o[i + 1] += c - 1
            } else {
                o[0] += 38 * (c - 1)
            }
            o[i] -= c << 16
        }
    }

    /// Swaps p and q when b is 1, without branching on b.
    static func select(_ p: inout Field, _ q: inout Field, _ b: Int64) {
        let mask = ~(b - 1)
        for i in 0..<16 {
            let t = mask & (p[i] ^ q[i])
            p[i] ^= t
            q[i] ^= t
        }
    }

    static func pack(_ n: Field) -> [UInt8] {
        var t = n
        carry(&t)
        carry(&t)
        carry(&t)
        var m = field()
        for _ in 0..<2 {
            m[0] = t[0] - 0xFFED
            for i in 1..<15 {
                let borrow = (m[i - 1] >> 16) & 1
                m[i] = t[i] - 0xFFFF - borrow
                m[i - 1] &= 0xFFFF
            }
            let borrow = (m[14] >> 16) & 1
            m[15] = t[15] - 0x7FFF - borrow
            let b = (m[15] >> 16) & 1
            m[14] &= 0xFFFF
            select(&t, &m, 1 - b)
        }
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<16 {
            out[2 * i] = UInt8(t[i] & 0xFF)
            out[2 * i + 1] = UInt8((t[i] >> 8) & 0xFF)
        }
        return out
    }

    static func add(_ a: Field, _ b: Field) -> Field {
        var o = a
        for i in 0..<16 { o[i] += b[i] }
        return o
    }

    static func sub(_ a: Field, _ b: Field) -> Field {
        var o = a
        for i in 0..<16 { o[i] -= b[i] }
        return o
    }

    static func mul(_ a: Field, _ b: Field) -> Field {
        var t = [Int64](repeating: 0, count: 31)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                t.withUnsafeMutableBufferPointer { t in
                    for i in 0..<16 {
                        let ai = a[i]
                        for j in 0..<16 { t[i + j] += ai * b[j] }
                    }
                    for i in 0..<15 { t[i] += 38 * t[i + 16] }
                }
            }
        }
        var o = Array(t[0..<16])
        carry(&o)
        carry(&o)
        return o
    }

    /// base^exponent, the exponent as 32 little-endian bytes.
    static func pow(_ base: Field, _ exponent: [UInt8]) -> Field {
        var c = one
        for bit in stride(from: 255, through: 0, by: -1) {
            c = mul(c, c)
            if (exponent[bit / 8] >> (bit % 8)) & 1 == 1 { c = mul(c, base) }
        }
        return c
    }

    /// 32 little-endian bytes: low byte, 30 times 0xFF, high byte.
    private static func exponent(low: UInt8, high: UInt8) -> [UInt8] {
        [low] + [UInt8](repeating: 0xFF, count: 30) + [high]
    }

    /// a^(p-2) = 1/a.
    static func inverse(_ a: Field) -> Field { pow(a, exponent(low: 0xEB, high: 0x7F)) }

    static func parity(_ a: Field) -> Int64 { Int64(pack(a)[0] & 1) }

    static func equal(_ a: Field, _ b: Field) -> Bool { pack(a) == pack(b) }

    // MARK: Curve constants, from their definitions

    /// d = -121665 / 121666.
    static let d: Field = mul(sub(zero, field([0xDB41, 1])), inverse(field([0xDB42, 1])))
    static let d2: Field = add(d, d)

    /// The base point: y = 4/5, x the even root of (y^2 - 1) / (d y^2 + 1).
    static let basePoint: Point = {
        let y = mul(field([4]), inverse(field([5])))
        let y2 = mul(y, y)
        let x2 = mul(sub(y2, one), inverse(add(mul(d, y2), one)))
        var x = pow(x2, exponent(low: 0xFE, high: 0x0F))  // x2^((p+3)/8)
        if !equal(mul(x, x), x2) {
            let sqrtMinusOne = pow(field([2]), exponent(low: 0xFB, high: 0x1F))  // 2^((p-1)/4)
            x = mul(x, sqrtMinusOne)
        }
        if parity(x) == 1 { x = sub(zero, x) }
        return [x, y, one, mul(x, y)]
    }()

    // MARK: Group (extended coordinates)

    static func add(_ p: Point, _ q: Point) -> Point {
        let a = mul(sub(p[1], p[0]), sub(q[1], q[0]))
        let b = mul(add(p[0], p[1]), add(q[0], q[1]))
        let c = mul(mul(p[3], q[3]), d2)
        var dd = mul(p[2], q[2])
        dd = add(dd, dd)
        let e = sub(b, a)
        let f = sub(dd, c)
        let g = add(dd, c)
        let h = add(b, a)
        return [mul(e, f), mul(h, g), mul(g, f), mul(e, h)]
    }

    static func scalarMultiply(_ point: Point, _ scalar: [UInt8]) -> Point {
        var p: Point = [zero, one, one, zero]
        var q = point
        for i in stride(from: 255, through: 0, by: -1) {
            let b = Int64((scalar[i / 8] >> (i & 7)) & 1)
            for k in 0..<4 { select(&p[k], &q[k], b) }
            q = add(q, p)
            p = add(p, p)
            for k in 0..<4 { select(&p[k], &q[k], b) }
        }
        return p
    }

    static func encode(_ p: Point) -> [UInt8] {
        let zInverse = inverse(p[2])
        let x = mul(p[0], zInverse)
        let y = mul(p[1], zInverse)
        var out = pack(y)
        out[31] ^= UInt8(parity(x) << 7)
        return out
    }

    // MARK: Scalars mod L = 2^252 + 27742317777372353535851937790883648493

    static let l: [Int64] = [
        0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]

    /// x (64 limbs of about 8 bits) mod L, as 32 little-endian bytes.
    static func modL(_ input: [Int64]) -> [UInt8] {
        var x = input
        for i in stride(from: 63, through: 32, by: -1) {
            var c: Int64 = 0
            var j = i - 32
            while j < i - 12 {
                let delta = c - 16 * x[i] * l[j - (i - 32)]
                x[j] += delta
                c = (x[j] + 128) >> 8
                x[j] -= c << 8
                j += 1
            }
            x[j] += c
            x[i] = 0
        }
        var c: Int64 = 0
        for j in 0..<32 {
            let delta = c - (x[31] >> 4) * l[j]
            x[j] += delta
            c = x[j] >> 8
            x[j] &= 255
        }
        for j in 0..<32 { x[j] -= c * l[j] }
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            let high = x[i] >> 8
            x[i + 1] += high
            out[i] = UInt8(x[i] & 255)
        }
        return out
    }

    static func reduce(_ bytes: [UInt8]) -> [UInt8] {
        var x = [Int64](repeating: 0, count: 64)
        for (i, byte) in bytes.prefix(64).enumerated() { x[i] = Int64(byte) }
        return modL(x)
    }

    static func sha512(_ parts: [UInt8]...) -> [UInt8] {
        var hasher = SHA512()
        for part in parts { hasher.update(data: part) }
        return Array(hasher.finalize())
    }

    // MARK: Signing

    /// The clamped secret scalar of an expanded secret.
    static func secretScalar(_ expanded: [UInt8]) -> [UInt8] {
        var a = Array(expanded[0..<32])
        a[0] &= 248
        a[31] &= 127
        a[31] |= 64
        return a
    }

    /// The public key A = a·B of an expanded secret.
    static func publicKey(expandedSecret expanded: [UInt8]) -> [UInt8] {
        encode(scalarMultiply(basePoint, secretScalar(expanded)))
    }

    /// The 64-byte signature R || S of `message`.
    static func sign(_ message: [UInt8], expandedSecret expanded: [UInt8]) -> [UInt8] {
        precondition(expanded.count == 64)
        let a = secretScalar(expanded)
        let publicKey = encode(scalarMultiply(basePoint, a))
        let r = reduce(sha512(Array(expanded[32..<64]), message))
        let bigR = encode(scalarMultiply(basePoint, r))
        let k = reduce(sha512(bigR, publicKey, message))
        var x = [Int64](repeating: 0, count: 64)
        for i in 0..<32 { x[i] = Int64(r[i]) }
        for i in 0..<32 {
            for j in 0..<32 { x[i + j] += Int64(k[i]) * Int64(a[j]) }
        }
        return bigR + modL(x)
    }
}
